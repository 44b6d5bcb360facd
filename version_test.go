package main

import (
	"strings"
	"testing"
)

// TestVersionFromSource: a build from source (this test binary, built
// without -ldflags) reports the release VERSION names, with --version and
// with the version command alike.
func TestVersionFromSource(t *testing.T) {
	want := "gitops-actions " + releaseVersion(t) + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		cmd, out := binary(t, t.TempDir(), args...)
		if err := cmd.Run(); err != nil {
			t.Fatalf("%q: %v\n%s", args, err, out)
		}
		if got := out.String(); got != want {
			t.Errorf("%q printed %q, want %q", args, got, want)
		}
	}
}

// TestStampedVersionWins: the release build's stamp replaces VERSION.
func TestStampedVersionWins(t *testing.T) {
	defer func(v string) { version = v }(version)
	version = "9.9.9"
	if got := buildVersion(); got != "9.9.9" {
		t.Errorf("buildVersion() = %q with the stamp 9.9.9", got)
	}
	version = ""
	if got := buildVersion(); got == "" || strings.ContainsAny(got, " \n") {
		t.Errorf("buildVersion() = %q without a stamp, want VERSION's content", got)
	}
}
