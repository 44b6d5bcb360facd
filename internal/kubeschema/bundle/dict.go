package bundle

import (
	"bytes"
	"sort"
)

// buildDict makes a DEFLATE dictionary of at most size bytes from the
// substrings the blobs share most: every substring of the lengths below
// that starts at a multiple of gramStep, scored by how many blobs hold it
// times its length. The most valuable substrings go last, where DEFLATE's
// distances to them are shortest. The result depends only on the blobs and
// their order (ties are broken by the bytes), so the bundle stays
// reproducible.
func buildDict(blobs [][]byte, size int) []byte {
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, b := range blobs {
		clear(seen)
		for _, n := range gramLengths {
			for i := 0; i+n <= len(b); i += gramStep {
				g := string(b[i : i+n])
				if !seen[g] {
					seen[g] = true
					counts[g]++
				}
			}
		}
	}
	type gram struct {
		s     string
		score int
	}
	grams := make([]gram, 0, len(counts))
	for s, c := range counts {
		if c > 1 {
			grams = append(grams, gram{s, c * len(s)})
		}
	}
	sort.Slice(grams, func(i, j int) bool {
		if grams[i].score != grams[j].score {
			return grams[i].score > grams[j].score
		}
		return grams[i].s < grams[j].s
	})
	var chosen []string
	var buf bytes.Buffer
	for _, g := range grams {
		if buf.Len() >= size {
			break
		}
		if bytes.Contains(buf.Bytes(), []byte(g.s)) {
			continue
		}
		chosen = append(chosen, g.s)
		buf.WriteString(g.s)
	}
	var dict []byte
	for i := len(chosen) - 1; i >= 0; i-- {
		dict = append(dict, chosen[i]...)
	}
	if len(dict) > size {
		dict = dict[len(dict)-size:]
	}
	return dict
}

// The substrings buildDict weighs: long enough to be worth a back
// reference, at every fourth byte so that counting them stays quick.
var gramLengths = []int{16, 24, 32, 48}

const gramStep = 4
