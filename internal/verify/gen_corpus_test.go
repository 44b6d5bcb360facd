package verify

import (
	"os"
	"testing"
)

func TestWriteCorpus(t *testing.T) {
	dir := os.Getenv("VERIFY_CORPUS_DIR")
	if dir == "" {
		t.Skip("set VERIFY_CORPUS_DIR to write the benchmark corpus there")
	}
	writeCorpus(t, dir, 2000, 5)
}
