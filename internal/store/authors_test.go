package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// A new user's profile slug comes from the name, numbered when taken (also by users created at
// the same moment), never only digits; a taken email is still the conflict it was.
func TestNewUsersGetUniqueAuthorSlugs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		create := func(email, name string) (models.User, error) {
			return st.CreateUser(ctx, store.System, store.NewUser{Email: email, Name: name, Role: models.RoleAuthor, PasswordHash: "h"})
		}
		for _, c := range []struct{ email, name, slug string }{
			{"an@b.vn", "Nguyễn Văn An", "nguyen-van-an"},
			{"an2@b.vn", "Nguyễn Văn  An", "nguyen-van-an-2"},
			{"so@b.vn", "2024", "tac-gia-2024"},
			{"chu@b.vn", "中文", "tac-gia"},
		} {
			u, err := create(c.email, c.name)
			if err != nil {
				t.Fatal(err)
			}
			if u.Slug != c.slug {
				t.Errorf("%s: slug %q, want %q", c.name, u.Slug, c.slug)
			}
		}
		if _, err := create("AN@b.vn", "Khác"); models.ErrorCode(err) != models.CodeConflict {
			t.Errorf("a taken email: %v", err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { _, errs[i] = create(fmt.Sprintf("ha%d@b.vn", i), "Đỗ Thị Hà") })
		}
		wg.Wait()
		var slugs []string
		db.Model(&models.User{}).Where("name = ?", "Đỗ Thị Hà").Order("slug").Pluck("slug", &slugs)
		for i, err := range errs {
			if err != nil {
				t.Errorf("concurrent create %d: %v", i, err)
			}
		}
		if fmt.Sprint(slugs) != "[do-thi-ha do-thi-ha-2 do-thi-ha-3 do-thi-ha-4]" {
			t.Errorf("concurrent slugs %v", slugs)
		}
	})
}
