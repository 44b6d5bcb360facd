package version

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		tag      string
		bare     bool
		ok       bool
		numbers  string
		pre      string
		variant  string
		revision string
	}{
		{tag: "v2.1.0", ok: true, numbers: "2.1.0"},
		{tag: "1.43.3.10896", ok: true, numbers: "1.43.3.10896"},
		{tag: "2026.01.15", ok: true, numbers: "2026.1.15"},
		{tag: "1.20", ok: true, numbers: "1.20"},
		{tag: "v2", ok: true, numbers: "2"},
		{tag: "2", ok: false},
		{tag: "20260501120000", bare: true, ok: true, numbers: "20260501120000"},
		{tag: "1.2.3-rc.1", ok: true, numbers: "1.2.3", pre: "rc.1"},
		{tag: "1.2.3-beta2", ok: true, numbers: "1.2.3", pre: "beta.2"},
		{tag: "24.12.0-alpine", ok: true, numbers: "24.12.0", variant: "alpine"},
		{tag: "16.4.0-debian-12-r5", ok: true, numbers: "16.4.0", variant: "debian-12", revision: "5"},
		{tag: "4.0.14.2939-ls294", ok: true, numbers: "4.0.14.2939", revision: "294"},
		{tag: "v1.29.1-k3s1", ok: true, numbers: "1.29.1", revision: "1"},
		{tag: "1.2.3-1", ok: true, numbers: "1.2.3", revision: "1"},
		{tag: "3.13-management", ok: true, numbers: "3.13", variant: "management"},
		{tag: "2.0.0-rc1-alpine3.19", ok: true, numbers: "2.0.0", pre: "rc.1", variant: "alpine3.19"},
		{tag: "2.0.0+build.5", ok: true, numbers: "2.0.0"},
		{tag: "latest", ok: false},
		{tag: "3f2a9c1", ok: false},
		{tag: "1234567", ok: false},
		{tag: "main-3f2a9c1", ok: false},
		{tag: "1.2.3a", ok: false},
		{tag: "1.2.3-", ok: false},
		{tag: "1.2.3--x", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.tag, func(t *testing.T) {
			v, ok := Parse(tc.tag, tc.bare)
			if ok != tc.ok {
				t.Fatalf("Parse(%q) ok = %t, want %t (%+v)", tc.tag, ok, tc.ok, v)
			}
			if !ok {
				return
			}
			got := [4]string{strings.Join(v.Numbers, "."), strings.Join(v.Pre, "."), v.Variant, v.Revision}
			want := [4]string{tc.numbers, tc.pre, tc.variant, tc.revision}
			if got != want {
				t.Errorf("Parse(%q) = numbers, pre, variant, revision %q, want %q", tc.tag, got, want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name, order, pattern string
		old, new             string
		want                 Relation
		variantChanged       bool
		reason               string // part of the reason, for Unordered
	}{
		// auto
		{name: "semver up", old: "v2.0.0", new: "v2.1.0", want: Newer},
		{name: "semver down", old: "v2.3.0", new: "v2.1.0", want: Older},
		{name: "four parts down", old: "1.43.3.10896", new: "1.40.0.9000", want: Older},
		{name: "four parts up in the last", old: "1.43.3.10896", new: "1.43.3.10900", want: Newer},
		{name: "calendar up", old: "2026.11.3", new: "2026.12.1", want: Newer},
		{name: "calendar down", old: "2026.11.3", new: "2025.12.31", want: Older},
		{name: "calendar zero-padded", old: "2026.01.15", new: "2026.02.01", want: Newer},
		{name: "numbers over 64 bits", old: "1.99999999999999999999", new: "1.100000000000000000000", want: Newer},
		{name: "missing parts are zero", old: "1.2", new: "1.2.0", want: Same},
		{name: "release after its rc", old: "1.2.3-rc.2", new: "1.2.3", want: Newer},
		{name: "rc10 after rc9", old: "1.2.3-rc9", new: "1.2.3-rc10", want: Newer},
		{name: "rc before the release", old: "1.2.3", new: "1.2.3-rc.1", want: Older},
		{name: "variant kept", old: "24.11.0-alpine", new: "24.12.0-alpine", want: Newer},
		{name: "variant dropped", old: "24.12.0-alpine", new: "24.12.0", want: Same, variantChanged: true},
		{name: "variant switched", old: "16.4-bookworm", new: "16.5-alpine", want: Newer, variantChanged: true},
		{name: "distribution release is a variant", old: "8.0-debian-12", new: "8.0-debian-13", want: Same, variantChanged: true},
		{name: "build counter up", old: "16.4.0-debian-12-r5", new: "16.4.0-debian-12-r6", want: Newer},
		{name: "build counter down", old: "4.0.14.2939-ls294", new: "4.0.14.2939-ls293", want: Older},
		{name: "v prefix ignored", old: "1.2.3", new: "v1.2.4", want: Newer},
		{name: "shas", old: "3f2a9c1", new: "8e1b0d4", want: Unordered, reason: `neither "3f2a9c1" nor "8e1b0d4" is a version`},
		{name: "sha to version", old: "3f2a9c1", new: "v1.0.0", want: Unordered, reason: `"3f2a9c1" is not a version`},
		{name: "digit-only sha", old: "1234567", new: "1234560", want: Unordered},
		// explicit orders
		{name: "semver reads a suffix as pre-release", order: "semver", old: "24.12.0-alpine", new: "24.12.0", want: Newer},
		{name: "semver not semver", order: "semver", old: "1.2.3.4", new: "1.2.3", want: Unordered, reason: "is not a semantic version"},
		{name: "numerical", order: "numerical", old: "20260501120000", new: "20260430090000", want: Older},
		{name: "numerical decimal", order: "numerical", old: "9.5", new: "10", want: Newer},
		{name: "alphabetical", order: "alphabetical", old: "RELEASE.2026-05-01T12-00-00Z", new: "RELEASE.2026-04-30T09-00-00Z", want: Older},
		{name: "none", order: "none", old: "2.0.0", new: "1.0.0", want: NotOrdered},
		// patterns
		{name: "timestamped sha tags, up", pattern: `^main-(?P<version>\d{14})-[0-9a-f]{7}$`, old: "main-20260501120000-3f2a9c1", new: "main-20260502080000-0a1b2c3", want: Newer},
		{name: "timestamped sha tags, down", pattern: `^main-(?P<version>\d{14})-[0-9a-f]{7}$`, old: "main-20260501120000-3f2a9c1", new: "main-20260430090000-8e1b0d4", want: Older},
		{name: "old tag outside the pattern", pattern: `^main-(?P<version>\d{14})-[0-9a-f]{7}$`, old: "3f2a9c1", new: "main-20260502080000-0a1b2c3", want: Unordered, reason: `the old version "3f2a9c1" does not match tag-pattern`},
		{name: "pattern and numerical", order: "numerical", pattern: `^build-(?P<version>\d+)$`, old: "build-99", new: "build-100", want: Newer},
		{name: "pattern and alphabetical", order: "alphabetical", pattern: `^build-(?P<version>\d+)$`, old: "build-99", new: "build-100", want: Older},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPolicy(tc.order, tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Compare(tc.old, tc.new)
			if got.Relation != tc.want || got.VariantChanged != tc.variantChanged {
				t.Errorf("Compare(%q, %q) = %+v, want relation %d, variant changed %t", tc.old, tc.new, got, tc.want, tc.variantChanged)
			}
			if !strings.Contains(got.Reason, tc.reason) || (tc.want == Unordered) != (got.Reason != "") {
				t.Errorf("reason = %q, want it to hold %q", got.Reason, tc.reason)
			}
		})
	}
}

func TestPolicyErrors(t *testing.T) {
	tests := []struct {
		name, order, pattern string
		tag                  string // checked when the policy builds
		wantErr              string
	}{
		{name: "unknown order", order: "newest", wantErr: `"newest" is not an order: use one of auto, semver, numerical, alphabetical, none`},
		{name: "pattern does not compile", pattern: `^main-(`, wantErr: `pattern "^main-(" is not a regular expression`},
		{name: "pattern without the group", pattern: `^main-(\d+)$`, wantErr: `pattern "^main-(\\d+)$" has no group named "version"`},
		{name: "tag outside the pattern", pattern: `^main-(?P<version>\d{14})-[0-9a-f]{7}$`, tag: "3f2a9c1", wantErr: `"3f2a9c1" does not match tag-pattern`},
		{name: "group not a version", pattern: `^(?P<version>[a-z]+)-\d+$`, tag: "main-1", wantErr: `"main", the group "version" of "main-1", is not a version that can be ordered`},
		{name: "semver needs semver", order: "semver", tag: "3f2a9c1", wantErr: `"3f2a9c1" is not a semantic version, which tag-order semver needs`},
		{name: "numerical needs a number", order: "numerical", tag: "v12", wantErr: `"v12" is not a number, which tag-order numerical needs`},
		{name: "auto takes any tag", tag: "3f2a9c1"},
		{name: "alphabetical takes any tag", order: "alphabetical", tag: "3f2a9c1"},
		{name: "order is case-insensitive", order: " SemVer ", tag: "1.2.3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPolicy(tc.order, tc.pattern)
			if err == nil && tc.tag != "" {
				err = p.Check(tc.tag)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to hold %q", err, tc.wantErr)
			}
		})
	}
}
