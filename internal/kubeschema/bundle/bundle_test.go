package bundle

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	in := &Bundle{
		Format:     Format,
		Kubernetes: []Release{{Version: "1.37", Source: "k8s.io/kubernetes@v1.37.2", Set: Set{Defs: map[string]string{"a": "k1"}, Kinds: map[string]string{"v1/A": "a"}}}},
		CRDs:       Set{Defs: map[string]string{"c": "k2"}, Kinds: map[string]string{"x/v1/C": "c"}},
		Blobs:      map[string]json.RawMessage{"k1": json.RawMessage(`{"type":"object"}`), "k2": json.RawMessage(`{"type":"string","pattern":"\n"}`)},
	}
	var first, second bytes.Buffer
	if err := Encode(&first, in); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&second, in); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("two encodings of the same bundle differ")
	}
	got, err := Decode(first.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", got, in)
	}
}

func TestDecodeEmbedded(t *testing.T) {
	b, err := Decode(Embedded())
	if err != nil {
		t.Fatalf("the embedded bundle does not decode (regenerate it): %v", err)
	}
	if len(b.Kubernetes) == 0 || len(b.Blobs) == 0 {
		t.Errorf("embedded bundle is empty: %d versions, %d blobs", len(b.Kubernetes), len(b.Blobs))
	}
}

func TestDecodeRejects(t *testing.T) {
	if _, err := Decode([]byte("not gzip")); err == nil {
		t.Error("Decode accepted garbage")
	}
}

func BenchmarkDecodeEmbedded(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Decode(Embedded()); err != nil {
			b.Fatal(err)
		}
	}
}
