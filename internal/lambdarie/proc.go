package lambdarie

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// kill ends the emulator and what it started. The emulator starts the
// bootstrap in a process group of its own: end each by its id.
func kill(cmd *exec.Cmd) {
	for _, pid := range append(childPIDs(cmd.Process.Pid), cmd.Process.Pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = cmd.Wait()
}

// childPIDs lists the descendants of pid.
func childPIDs(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(s); err == nil {
				out = append(out, childPIDs(child)...)
				out = append(out, child)
			}
		}
	}
	return out
}
