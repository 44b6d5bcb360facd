package finding

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShorten(t *testing.T) {
	x := strings.Repeat("x", 1<<20)
	long := strings.Repeat("é", 300)
	tests := []struct {
		name, in, want string
	}{
		{name: "short message", in: `image "nginx" has no tag`, want: `image "nginx" has no tag`},
		{name: "long value", in: `expected integer, got string "` + x + `"`,
			want: `expected integer, got string "` + strings.Repeat("x", MaxValue) + `…" (1048576 bytes)`},
		{name: "two values, one long", in: `key "a" and "` + x + `" end`,
			want: `key "a" and "` + strings.Repeat("x", MaxValue) + `…" (1048576 bytes) end`},
		{name: "characters, not bytes", in: `value "` + long + `"`,
			want: `value "` + strings.Repeat("é", MaxValue) + `…" (600 bytes)`},
		{name: "an escape is never cut in two", in: `value "` + strings.Repeat("a", MaxValue-1) + `\u00e9` + strings.Repeat("b", 300) + `"`,
			want: `value "` + strings.Repeat("a", MaxValue-1) + `\u00e9…" (505 bytes)`},
		{name: "an escaped quote does not end the value", in: `value "` + strings.Repeat(`\"`, 300) + `" end`,
			want: `value "` + strings.Repeat(`\"`, MaxValue) + `…" (600 bytes) end`},
		{name: "unterminated value", in: `value "` + x,
			want: `value "` + strings.Repeat("x", MaxValue) + `… (1048576 bytes)`},
		{name: "long message without quotes", in: x,
			want: strings.Repeat("x", MaxMessage) + `… (1048576 bytes)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Shorten(tc.in)
			if got != tc.want {
				t.Errorf("Shorten() = %.400q (%d bytes)\nwant          %.400q (%d bytes)", got, len(got), tc.want, len(tc.want))
			}
			if n := utf8.RuneCountInString(got); n > MaxMessage+40 {
				t.Errorf("Shorten() is %d characters long", n)
			}
		})
	}
}
