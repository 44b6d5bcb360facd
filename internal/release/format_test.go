package release

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 5, 1, 12, 0, 7, 0, time.UTC)

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		name, format, prefix string
		want                 string // the name for at
		wantList             string
		wantErr              string
	}{
		{name: "timestamp", format: "timestamp", prefix: "v", want: "v20260501120007", wantList: "v"},
		{name: "timestamp without prefix", format: "timestamp", want: "20260501120007", wantList: ""},
		{name: "pattern", format: "release-%Y.%m.%d-%H%M", prefix: "v", want: "release-2026.05.01-1200", wantList: "release-"},
		{name: "every directive", format: "r%y-%j-%S-%s-%%", want: "r26-121-07-1777636807-%", wantList: "r"},
		{name: "nested name", format: "prod/%Y%m%d", want: "prod/20260501", wantList: "prod/"},
		{name: "semver", format: "semver", prefix: "app-v", wantList: "app-v"},
		{name: "unknown directive", format: "release-%Q", wantErr: `unknown directive "%Q"`},
		{name: "lone percent", format: "release-%", wantErr: "lone %"},
		{name: "no time", format: "semvar", wantErr: "neither timestamp nor semver"},
		{name: "space in pattern", format: "release %Y", wantErr: "cannot contain ' '"},
		{name: "dots", format: "rel..%Y", wantErr: "'..'"},
		{name: "bad prefix", format: "timestamp", prefix: "v~", wantErr: `"v~" cannot start a tag name`},
		{name: "prefix with a dash first", format: "semver", prefix: "-v", wantErr: "cannot start with '-'"},
		{name: "prefix ends in a slash", format: "semver", prefix: "rel/", wantList: "rel/"},
		{name: "prefix with a colon", format: "semver", prefix: "a:b", wantErr: "cannot contain ':'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFormat(tc.format, tc.prefix)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.ListPrefix(); got != tc.wantList {
				t.Errorf("ListPrefix = %q, want %q", got, tc.wantList)
			}
			if f.Semver() {
				return
			}
			if got := f.render(at); got != tc.want {
				t.Errorf("render = %q, want %q", got, tc.want)
			}
			back, ok := f.parseTime(tc.want + "-3")
			wantBack := at
			if !strings.Contains(tc.format, "S") && tc.format != "timestamp" && !strings.Contains(tc.format, "%s") {
				wantBack = at.Truncate(time.Minute)
			}
			if strings.Contains(tc.format, "%Y%m%d") && !strings.Contains(tc.format, "H") {
				wantBack = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			}
			if !ok || !back.t.Equal(wantBack) || back.suffix != 3 {
				t.Errorf("parseTime(%q) = %v %d %v, want %v 3", tc.want+"-3", back.t, back.suffix, ok, wantBack)
			}
		})
	}
}

func TestCandidatesOwnsPrevious(t *testing.T) {
	ts, _ := ParseFormat("timestamp", "v")
	existing := []string{"v20260501120007", "v20260501120007-1", "v20260430000000", "v20260601000000", "other", "v20260501120007-01"}
	got := ts.candidates(at, existing, BumpNone)[:3]
	if want := []string{"v20260501120007", "v20260501120007-1", "v20260501120007-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("candidates = %v, want %v", got, want)
	}
	for name, want := range map[string]bool{"v20260501120007": true, "v20260501120007-12": true, "v20260501120007-0": false, "v20260501120007-01": false, "v20260501120008": false, "v20260501120007-x": false} {
		if got := ts.owns(name, at); got != want {
			t.Errorf("owns(%q) = %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]string{
		"v20260501120007":   "v20260430000000",
		"v20260501120007-1": "v20260501120007",
		"v20260501120007-2": "v20260501120007-1",
		"v20260430000000":   "",
		"v20260701000000":   "v20260601000000",
	} {
		if got := ts.previous(existing, name); got != want {
			t.Errorf("previous(%q) = %q, want %q", name, got, want)
		}
	}

	sv, _ := ParseFormat("semver", "v")
	tags := []string{"v1.2.3", "v1.10.0", "v2.0.0-rc.1", "v1.9.9", "x1.99.0", "v1.2", "v1.11.0+meta"}
	for _, tc := range []struct {
		bump Bump
		want []string
	}{
		{BumpPatch, []string{"v1.10.1", "v1.10.2"}},
		{BumpMinor, []string{"v1.11.0", "v1.12.0"}},
		{BumpMajor, []string{"v2.0.0", "v3.0.0"}},
	} {
		if got := sv.candidates(at, tags, tc.bump)[:2]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: candidates = %v, want %v", tc.bump, got, tc.want)
		}
	}
	if got := sv.candidates(at, nil, BumpMinor)[0]; got != "v0.1.0" {
		t.Errorf("first minor = %q, want v0.1.0", got)
	}
	if got := sv.previous(tags, "v1.11.0"); got != "v1.10.0" {
		t.Errorf("previous(v1.11.0) = %q, want v1.10.0 (pre-releases and builds do not count)", got)
	}
	if !sv.owns("v3.0.0", at) || sv.owns("v3.0.0-rc.1", at) || sv.owns("3.0.0", at) {
		t.Errorf("owns: a release version with the prefix only")
	}

	// More than 100 tags: all count.
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprintf("v0.%d.0", i))
	}
	if got := sv.candidates(at, many, BumpPatch)[0]; got != "v0.149.1" {
		t.Errorf("after 150 tags: %q, want v0.149.1", got)
	}
}

func TestBumpFor(t *testing.T) {
	for _, tc := range []struct {
		labels      []string
		title, body string
		def         Bump
		want        Bump
	}{
		{labels: []string{"release:major"}, title: "fix: typo", want: BumpMajor},
		{labels: []string{"Release:Minor", "bug"}, title: "fix: typo", want: BumpMinor},
		{labels: []string{"release:patch"}, title: "feat!: new API", want: BumpPatch},
		{labels: []string{"release:patch", "release:major"}, want: BumpMajor},
		{labels: []string{"release:major", "release:none"}, title: "feat: x", want: BumpNone},
		{title: "feat: add staging", want: BumpMinor},
		{title: "feat(app): add staging", want: BumpMinor},
		{title: "feat!: drop v1", want: BumpMajor},
		{title: "fix(api)!: change the schema", want: BumpMajor},
		{title: "refactor: BREAKING CHANGE to the layout", want: BumpMajor},
		{title: "fix: x", body: "details\n\nBREAKING CHANGE: the old field is gone", want: BumpMajor},
		{title: "fix: x", body: "- [ ] mentions a BREAKING CHANGE: in a checklist", want: BumpPatch},
		{title: "fix: typo", want: BumpPatch},
		{title: "chore(deps): bump app", want: BumpPatch},
		{title: "Update the README", def: BumpMinor, want: BumpMinor},
		{title: "Update the README", def: BumpNone, want: BumpNone},
		{title: "feat:no space is not conventional", def: BumpPatch, want: BumpPatch},
	} {
		got, why := BumpFor(tc.labels, tc.title, tc.body, tc.def)
		if got != tc.want {
			t.Errorf("labels %v, title %q, body %q: %s (%s), want %s", tc.labels, tc.title, tc.body, got, why, tc.want)
		}
	}
	if _, err := ParseBump("huge"); err == nil {
		t.Errorf("ParseBump(huge): no error")
	}
	if b, err := ParseBump(" Minor "); err != nil || b != BumpMinor {
		t.Errorf("ParseBump(Minor) = %v, %v", b, err)
	}
}
