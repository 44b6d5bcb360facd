package spelling

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{a: "", b: "", want: 0},
		{a: "ghrc.io/acme/app", b: "ghcr.io/acme/app", want: 2},
		{a: "latest-tag", b: "latest-tag", want: 0},
		{a: "kitten", b: "sitting", want: 3},
		{a: "app", b: "", want: 3},
		{a: "", b: "app", want: 3},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}
