// Command vulndb turns the OSV records of the golang.org/x/vulndb module (data/osv/*.json, as
// the Go module proxy serves it) into the v1 layout that `govulncheck -db file://DIR` reads:
// DIR/index/db.json, DIR/index/modules.json and DIR/ID/<id>.json. scripts/vulndb.sh runs it.
//
//	go run ./scripts/vulndb -osv "$(go mod download -json golang.org/x/vulndb@latest | jq -r .Dir)/data/osv" -out DIR
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

type entry struct {
	ID        string    `json:"id"`
	Modified  time.Time `json:"modified"`
	Published time.Time `json:"published"`
	Withdrawn *string   `json:"withdrawn,omitempty"`
	Affected  []struct {
		Package struct {
			Name      string `json:"name"`
			Ecosystem string `json:"ecosystem"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced string `json:"introduced,omitempty"`
				Fixed      string `json:"fixed,omitempty"`
			} `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

func main() {
	src := flag.String("osv", "", "directory of OSV records (the vulndb module's data/osv)")
	out := flag.String("out", "", "directory to write the database to")
	accepted := flag.String("accepted", "", "file of reviewed IDs left out of the database, one a line with its reason (# comments)")
	flag.Parse()
	skip, err := readAccepted(*accepted)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	if err := build(*src, *out, skip); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

// readAccepted reads the IDs of reviewed findings that cannot be fixed (no fixed version exists)
// and do not apply to toasoan; each line is "ID reason".
func readAccepted(path string) (map[string]bool, error) {
	skip := map[string]bool{}
	if path == "" {
		return skip, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(id, "GO-") || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s: %q: want \"GO-YYYY-NNNN reason\"", path, line)
		}
		skip[id] = true
	}
	return skip, nil
}

func build(src, out string, skip map[string]bool) error {
	if src == "" || out == "" {
		return errors.New("usage: vulndb -osv DIR -out DIR")
	}
	files, err := filepath.Glob(filepath.Join(src, "GO-*.json"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no GO-*.json records in %s", src)
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return err
	}
	modules := map[string]*moduleMeta{}
	var newest time.Time
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		// The repository's records leave modified at zero (the deployed database fills it in):
		// take the publication time then, so the index says something sensible.
		modified := e.Modified
		if modified.IsZero() {
			modified = e.Published
		}
		if modified.After(newest) {
			newest = modified
		}
		if skip[e.ID] {
			fmt.Printf("vulndb: %s left out (reviewed, see the accepted list)\n", e.ID)
			continue
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), b, 0o644); err != nil {
			return err
		}
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &moduleMeta{Path: a.Package.Name}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: modified, Fixed: latestFixed(a.Ranges)})
		}
	}
	index := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		index = append(index, m)
	}
	sort.Slice(index, func(i, j int) bool { return index[i].Path < index[j].Path })
	if err := writeJSON(filepath.Join(out, "index", "modules.json"), index); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(out, "index", "db.json"), map[string]time.Time{"modified": newest}); err != nil {
		return err
	}
	fmt.Printf("vulndb: %d records, %d modules, newest %s, in %s\n", len(files), len(index), newest.Format(time.DateOnly), out)
	return nil
}

// latestFixed is the highest fixed version of the SEMVER ranges (no leading v), or "" when a
// range has no fix, in which case govulncheck must look at the record whatever the version.
func latestFixed(ranges []struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	} `json:"events"`
}) string {
	latest := ""
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		open := false
		for _, ev := range r.Events {
			if ev.Introduced != "" {
				open = true
			}
			if ev.Fixed != "" {
				open = false
				if latest == "" || semver.Compare("v"+ev.Fixed, "v"+latest) > 0 {
					latest = ev.Fixed
				}
			}
		}
		if open {
			return "" // the last range is not fixed yet
		}
	}
	return strings.TrimPrefix(latest, "v")
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
