package manifest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gitops-actions/gitops-actions/internal/imageref"
	"github.com/gitops-actions/gitops-actions/internal/sharedtest"
)

// corpora returns ../shared/corpora beside the checkout, or skips (see
// sharedtest for why it is reached through the module's .shared link).
func corpora(t testing.TB) string {
	t.Helper()
	return sharedtest.Path(t, "corpora")
}

// TestCorpusBumpIsByteMinimal bumps every image found in the shared corpora
// to a new tag, to a new tag@digest and to a new digest alone, and checks,
// line by line and without the engine's own verification, that each changed
// file differs from the original only inside the changed values, and that
// every reference found either changed or was refused (a digest alone where
// the values have no field for it).
func TestCorpusBumpIsByteMinimal(t *testing.T) {
	root := corpora(t)
	fsys := openTree(t, root)
	refs, _, err := Find(context.Background(), fsys, []string{"."})
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	repos := map[string]bool{}
	for _, r := range refs {
		repos[r.Image] = true
	}
	if len(repos) < 5 {
		t.Fatalf("found only %d images in the corpora: %v", len(repos), repos)
	}
	for _, version := range []string{":v99.0.0-gitops", ":v99.0.0-gitops@" + digest, "@" + digest} {
		t.Run(version, func(t *testing.T) {
			var ims []imageref.Image
			for repo := range repos {
				im, err := imageref.Parse(repo + version)
				if err != nil {
					t.Fatal(err)
				}
				ims = append(ims, im)
			}
			sort.Slice(ims, func(i, j int) bool { return ims[i].Repository < ims[j].Repository })
			opts := Options{Images: ims, AllowDowngrade: true, AllowUnpin: true, AllowVariantChange: true, AllowTagDrop: true}
			res, err := Bump(context.Background(), fsys, []string{"."}, opts)
			if err != nil {
				t.Fatalf("Bump: %v", err)
			}
			t.Logf("%d images, %d references, %d changed in %d files, %d refused (%d files read, %d parsed)", len(ims), len(refs), len(res.Changes), len(res.Files), len(res.Refused), res.Scanned, res.Parsed)
			if len(res.Files) == 0 {
				t.Fatal("nothing changed")
			}
			if version[0] == ':' && len(res.Refused) > 0 {
				t.Errorf("a tag was refused: %+v", res.Refused)
			}
			byFile := map[string][]Change{}
			for _, c := range res.Changes {
				byFile[c.File] = append(byFile[c.File], c)
			}
			for _, f := range res.Files {
				checkMinimal(t, f, byFile[f.Path])
			}
			// Every reference found is now at the new version or was
			// refused: nothing was missed.
			if got, want := len(res.Changes)+len(res.Refused), len(refs); got < want {
				t.Errorf("%d references changed or refused, want the %d found", got, want)
			}
			after := t.TempDir()
			copyTree(t, root, after)
			for _, f := range res.Files {
				os.WriteFile(filepath.Join(after, filepath.FromSlash(f.Path)), f.New, 0o644)
			}
			again, err := Bump(context.Background(), openTree(t, after), []string{"."}, opts)
			if err != nil {
				t.Fatalf("second Bump: %v", err)
			}
			if again.Changed() {
				t.Errorf("second Bump still changes %d files: %+v", len(again.Files), again.Changes)
			}
		})
	}
}

var (
	insertedLine = regexp.MustCompile(`^\s*(newTag|tag|digest): \S+\r?\n?$`)
	deletedLine  = regexp.MustCompile(`^\s*(- )?(newTag|digest): `)
)

// checkMinimal compares the files line by line: an unchanged line must be
// byte-identical; a changed line must be one the engine reported, and equal
// to the original once the old and new values (and any quotes around them)
// are masked; the only lines that may appear or vanish are tag/digest keys.
func checkMinimal(t *testing.T, f FileEdit, changes []Change) {
	t.Helper()
	oldLines := strings.SplitAfter(string(f.Old), "\n")
	newLines := strings.SplitAfter(string(f.New), "\n")
	changed := map[int]bool{}
	var values []string
	for _, c := range changes {
		changed[c.Line] = true
		for _, v := range []string{c.Old, c.New} {
			values = append(values, v)
			if tag, dig, ok := strings.Cut(v, "@"); ok {
				values = append(values, tag, dig)
			}
		}
	}
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	mask := func(s string) string {
		for _, v := range values {
			if v != "" {
				s = strings.ReplaceAll(s, v, "\x00")
			}
		}
		return strings.NewReplacer(`"`, "", "'", "").Replace(s)
	}
	i, j := 0, 0
	for i < len(oldLines) || j < len(newLines) {
		switch {
		case i < len(oldLines) && j < len(newLines) && oldLines[i] == newLines[j]:
			i, j = i+1, j+1
		case i < len(oldLines) && j < len(newLines) && changed[i+1] && mask(oldLines[i]) == mask(newLines[j]):
			i, j = i+1, j+1
		case j < len(newLines) && insertedLine.MatchString(newLines[j]):
			j++
		case i < len(oldLines) && deletedLine.MatchString(oldLines[i]):
			i++
		default:
			o, n := "", ""
			if i < len(oldLines) {
				o = oldLines[i]
			}
			if j < len(newLines) {
				n = newLines[j]
			}
			t.Errorf("%s:%d: not a minimal edit:\n- %q\n+ %q", f.Path, i+1, o, n)
			return
		}
	}
}
