package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// memoryWatch samples a process's VmRSS until stopped.
type memoryWatch struct {
	pid      int
	maxRSS   atomic.Int64
	lastRSS  atomic.Int64
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

func watchMemory(pid int, every time.Duration) *memoryWatch {
	m := &memoryWatch{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			if rss, err := procStatus(pid, "VmRSS"); err == nil {
				m.lastRSS.Store(rss)
				if rss > m.maxRSS.Load() {
					m.maxRSS.Store(rss)
				}
			}
			select {
			case <-tick.C:
			case <-m.quit:
				return
			}
		}
	}()
	return m
}

func (m *memoryWatch) peak() int64    { return m.maxRSS.Load() }
func (m *memoryWatch) current() int64 { return m.lastRSS.Load() }

func (m *memoryWatch) stop() {
	m.stopOnce.Do(func() { close(m.quit) })
	<-m.done
}

// procStatus reads a "kB" field of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", field, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
