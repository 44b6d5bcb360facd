package diffpreview

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path    string
		want    []string
		wantErr string
	}{
		{path: "metadata.annotations.checksum/*", want: []string{"metadata", "annotations", "checksum/*"}},
		{path: "spec.template.metadata.annotations[kubectl.kubernetes.io/restartedAt]", want: []string{"spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"}},
		{path: "$.spec.containers[*].env", want: []string{"spec", "containers", "*", "env"}},
		{path: ".metadata[labels][a.b]", want: []string{"metadata", "labels", "a.b"}},
		{path: "", wantErr: `diff-ignore: "": an empty path at character 1; write field names`},
		{path: "metadata..labels", wantErr: `"metadata..labels": an empty field name at character 10`},
		{path: "metadata.annotations[a.b", wantErr: `"metadata.annotations[a.b": a bracket that is not closed at character 21`},
		{path: "metadata]", wantErr: `a closing bracket without an opening one at character 9`},
		{path: "metadata.", wantErr: `a dot at the end at character 9`},
		{path: "a[]", wantErr: `an empty key in brackets at character 2`},
		{path: "a[b]c", wantErr: `a character after a closing bracket that is neither a dot nor a bracket at character 5`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := parsePath(tc.path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "kubectl.kubernetes.io/restartedAt") {
					t.Fatalf("got error %v, want one holding %q and how to write a path", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.steps, tc.want) {
				t.Errorf("got %q, want %q", got.steps, tc.want)
			}
		})
	}
}

// TestBadIgnoreIsAnError: Compare refuses a bad path before reading
// anything, naming it.
func TestBadIgnoreIsAnError(t *testing.T) {
	_, err := Compare(context.Background(), fstest.MapFS{}, fstest.MapFS{}, Options{Ignore: []string{"a.b", "spec..x"}})
	if err == nil || !strings.Contains(err.Error(), `"spec..x"`) {
		t.Fatalf("got %v", err)
	}
	if got := CheckIgnore([]string{"a.b", "spec..x"}); got == nil || got.Error() != err.Error() {
		t.Errorf("CheckIgnore: %v, Compare: %v", got, err)
	}
	if err := CheckIgnore([]string{"a.b[c.d]"}); err != nil {
		t.Errorf("CheckIgnore of a good path: %v", err)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, key string
		want         bool
	}{
		{"checksum/*", "checksum/config", true},
		{"checksum/*", "checksum/a/b", true},
		{"checksum/*", "checksums/config", false},
		{"*/restartedAt", "kubectl.kubernetes.io/restartedAt", true},
		{"a*b*c", "a-x-b-y-c", true},
		{"a*b*c", "a-x-c", false},
		{"image", "images", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.key); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.key, got, tc.want)
		}
	}
}
