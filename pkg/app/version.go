package app

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"runtime/debug"
	"strings"
	"sync"
)

// Version, when set at build time with -ldflags
// "-X github.com/filetolink/filetolink/pkg/app.Version=v1.2.3", is the
// version shown on / and /healthz. Otherwise it is the build's own: the
// module version (a `go install …@v1.2.3`), else the VCS revision the
// binary was built from (`go build` in a checkout), else the Go build ID
// of the executable ("build-…": a build without VCS stamping, such as
// GOFLAGS=-buildvcs=false or a copy without .git, still tells builds
// apart), else "unknown".
var Version string

// BuildVersion is the version this binary shows (see Version).
func BuildVersion() string {
	if Version != "" {
		return Version
	}
	buildVersionOnce.Do(func() {
		bi, _ := debug.ReadBuildInfo()
		buildVersion = versionOf(bi)
		if buildVersion == "unknown" {
			if id := executableBuildID(); id != "" {
				buildVersion = "build-" + id
			}
		}
	})
	return buildVersion
}

var (
	buildVersionOnce sync.Once
	buildVersion     string
)

// versionOf reads a version out of build information.
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return rev
}

// executableBuildID is the content part of the running executable's Go
// build ID (its .note.go.buildid ELF note), shortened; "" where there is
// none (not ELF, unreadable). It reads the note only, not the whole file.
// Hand-written because debug.ReadBuildInfo, which answers first, carries no
// build ID, and the standard library parses no ELF note.
func executableBuildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := elf.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil {
		return ""
	}
	return buildIDOfNote(data)
}

// buildIDOfNote reads the Go build ID out of an ELF note (namesz, descsz,
// type, "Go\x00\x00", then the ID "action/…/content") and returns the
// first 12 characters of its last part.
func buildIDOfNote(note []byte) string {
	const header = 16
	if len(note) < header || string(note[12:16]) != "Go\x00\x00" {
		return ""
	}
	n := int(binary.LittleEndian.Uint32(note[4:8]))
	if n <= 0 || header+n > len(note) {
		return ""
	}
	id := string(note[header : header+n])
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return ""
		}
	}
	return id[:min(12, len(id))]
}
