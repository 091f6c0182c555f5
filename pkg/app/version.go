package app

import (
	"runtime/debug"
	"sync"
)

// Version, when set at build time with -ldflags
// "-X github.com/filetolink/filetolink/pkg/app.Version=v1.2.3", is the
// version shown on / and /healthz. Otherwise it is the build's own: the
// module version (a `go install …@v1.2.3`), else the VCS revision the
// binary was built from (`go build` in a checkout), else "unknown".
var Version string

// BuildVersion is the version this binary shows (see Version).
func BuildVersion() string {
	if Version != "" {
		return Version
	}
	buildVersionOnce.Do(func() {
		bi, _ := debug.ReadBuildInfo()
		buildVersion = versionOf(bi)
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
