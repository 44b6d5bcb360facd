package verify

import (
	"context"
	"os"
	"testing"
)

func BenchmarkZZCorpus(b *testing.B) {
	dir := os.Getenv("ZZ_CORPUS")
	if dir == "" {
		b.Skip()
	}
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), os.DirFS(dir), Options{KubernetesVersion: "1.37", Schemas: schemas(b, "1.37")}); err != nil {
			b.Fatal(err)
		}
	}
}
