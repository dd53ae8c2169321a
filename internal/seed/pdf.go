package seed

import (
	"bytes"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/toasoan/toasoan/internal/search"
	"github.com/toasoan/toasoan/internal/store"
)

// documentPDF is a seeded document's attachment: one A4 page laid out as a Vietnamese
// administrative document (the issuer and number top left, the national motto top right, the
// type and subject as the heading), saying it is a sample. The text is in DejaVu Sans,
// embedded (subset) so every reader shows the Vietnamese letters. The same document gives the
// same bytes: the PDF's dates are the issue date.
func documentPDF(in store.DocumentInput) (generated, error) {
	issued := in.IssuedOn.Time()
	number := in.Number.Canonical()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetCatalogSort(true)
	pdf.SetTitle(number+" "+in.Title, true)
	pdf.SetAuthor(in.Issuer, true)
	pdf.SetLang("vi")
	pdf.AddUTF8FontFromBytes("dejavu", "", regularTTF)
	pdf.AddUTF8FontFromBytes("dejavu", "B", boldTTF)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(false, 20)
	pdf.AddPage()

	// Top left: the issuer and the number; top right: the motto and the place and date.
	pdf.SetXY(15, 20)
	pdf.SetFont("dejavu", "B", 10.5)
	pdf.MultiCell(80, 5.5, strings.ToUpper(in.Issuer), "", "C", false)
	pdf.SetX(15)
	pdf.SetFont("dejavu", "", 11)
	pdf.CellFormat(80, 8, "Số: "+number, "", 1, "C", false, 0, "")
	pdf.SetXY(95, 20)
	pdf.SetFont("dejavu", "B", 10.5)
	pdf.CellFormat(105, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", 2, "C", false, 0, "")
	pdf.SetFont("dejavu", "B", 11.5)
	pdf.CellFormat(105, 6.5, "Độc lập - Tự do - Hạnh phúc", "", 2, "C", false, 0, "")
	pdf.Line(125, pdf.GetY()+0.8, 170, pdf.GetY()+0.8) // the motto is underlined
	pdf.SetFont("dejavu", "", 11)
	pdf.CellFormat(105, 9, fmt.Sprintf("Hà Nội, ngày %d tháng %d năm %d", issued.Day(), int(issued.Month()), issued.Year()), "", 2, "C", false, 0, "")

	// The heading: the type, then what it is about.
	pdf.SetXY(20, 72)
	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(170, 9, strings.ToUpper(in.Type), "", 1, "C", false, 0, "")
	subject := strings.TrimPrefix(in.Title, in.Type+" ")
	if subject != in.Title {
		subject = strings.ToUpper(subject[:1]) + subject[1:] // "về …" → "Về …"
	}
	pdf.SetFont("dejavu", "B", 12.5)
	pdf.MultiCell(170, 7, subject, "", "C", false)
	pdf.Ln(8)

	pdf.SetFont("dejavu", "", 11.5)
	for _, line := range [][2]string{
		{"Số, ký hiệu", number},
		{"Loại văn bản", in.Type},
		{"Cơ quan ban hành", in.Issuer},
		{"Ngày ban hành", issued.Format("02/01/2006")},
		{"Ngày có hiệu lực", effectiveDate(in)},
		{"Lĩnh vực", in.Field},
		{"Người ký", in.Signer},
	} {
		pdf.SetX(25)
		pdf.SetFont("dejavu", "B", 11.5)
		pdf.CellFormat(45, 8, line[0]+":", "", 0, "L", false, 0, "")
		pdf.SetFont("dejavu", "", 11.5)
		pdf.MultiCell(115, 8, line[1], "", "L", false)
	}
	pdf.Ln(6)
	pdf.SetX(25)
	pdf.MultiCell(160, 6.5, "Đây là văn bản mẫu do lệnh seed của toasoan tạo ra để thiết kế và thử giao diện; "+
		"nội dung không có giá trị pháp lý.", "", "J", false)

	// The signature block, bottom right.
	pdf.SetXY(110, 215)
	pdf.SetFont("dejavu", "B", 11.5)
	pdf.CellFormat(80, 7, "NGƯỜI KÝ", "", 2, "C", false, 0, "")
	pdf.SetXY(110, pdf.GetY()+22) // room for the signature and the seal
	pdf.CellFormat(80, 7, in.Signer, "", 2, "C", false, 0, "")

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return generated{}, fmt.Errorf("document %s: pdf: %w", number, err)
	}
	return generated{
		data:    buf.Bytes(),
		name:    search.Slugify(number) + ".pdf",
		caption: in.Title,
	}, nil
}

// effectiveDate is when the document takes effect, as the page shows it.
func effectiveDate(in store.DocumentInput) string {
	if in.EffectiveOn == nil {
		return in.IssuedOn.Time().Format("02/01/2006")
	}
	return in.EffectiveOn.Time().Format("02/01/2006")
}
