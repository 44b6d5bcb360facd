//go:build !unix

package cli

import "os"

// probeAppend opens p as the output writer does, and writes nothing to it.
func probeAppend(p string) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
