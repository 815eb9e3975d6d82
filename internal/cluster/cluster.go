// Package cluster runs hule processes from one binary and supervises them:
// start on a free port, wait until ready, SIGKILL, restart, drain on
// SIGTERM. The fault tests and `hule bench pipeline --mode distributed` use
// it to run every service as a process of its own.
package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Cluster runs hule processes from one binary, each with its own HTTP
// port and log file in Dir, and the environment Env (HULE_DB, HULE_BUS...)
// on top of the parent's environment without its HULE_* variables.
type Cluster struct {
	Bin string
	Dir string
	Env []string

	mu    sync.Mutex
	procs []*Proc
}

// Proc is one hule process that may be killed and started again with the
// same arguments, port and log file.
type Proc struct {
	// Name identifies the process in logs and reports, e.g. "spellcheck-2".
	Name string
	// Args are hule's arguments, e.g. ["run", "spellcheck"].
	Args []string
	// Addr is the HTTP address (health, metrics, API) it listens on; empty
	// for processes without one (the Kafka dev cluster).
	Addr string
	// Log is the file both output streams are appended to.
	Log string

	c      *Cluster
	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	starts int
	kills  int
}

// FreeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago. A process keeps its port across restarts, so clients of it (the
// API client of the gateway) keep working.
func FreeAddr() (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Service starts `hule run SERVICES...` as a process called name on a free
// port and returns it once started (not yet ready: see WaitReady). The name
// is also the process's static Kafka group member id, so that a restarted
// process takes back its partitions at once (ignored on other buses).
func (c *Cluster) Service(name string, services ...string) (*Proc, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"run"}, services...)
	args = append(args, "--addr", addr, "--kafka-instance-id", name)
	return c.Start(name, addr, args...)
}

// Start starts hule with args as a process called name. addr is where it
// serves /readyz, or "".
func (c *Cluster) Start(name, addr string, args ...string) (*Proc, error) {
	p := &Proc{Name: name, Args: args, Addr: addr, Log: filepath.Join(c.Dir, name+".log"), c: c}
	if err := p.start(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	return p, nil
}

// Procs returns every process started so far.
func (c *Cluster) Procs() []*Proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Proc(nil), c.procs...)
}

// Environ is the environment of every process: the parent's without its
// HULE_* variables, then Env.
func (c *Cluster) Environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HULE_") {
			env = append(env, kv)
		}
	}
	return append(env, c.Env...)
}

func (p *Proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("%s: already running", p.Name)
		}
	}
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open log of %s: %w", p.Name, err)
	}
	p.starts++
	fmt.Fprintf(f, "=== start %d of %s: hule %s (%s)\n", p.starts, p.Name, strings.Join(p.Args, " "), time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(p.c.Bin, p.Args...) //nolint:gosec,noctx // the caller's own hule binary; lifetime managed by Kill/Stop
	cmd.Env = p.c.Environ()
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so a signal to the test's group (Ctrl-C)
	// does not reach it behind the harness's back; and SIGKILL when the
	// test process dies (a test timeout panics without cleanups), so no
	// process outlives the test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		_ = f.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

// Running reports whether the process is alive.
func (p *Proc) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Kill sends SIGKILL and waits for the process to be gone: no drain, no
// flush, as in a power cut of that one process.
func (p *Proc) Kill() error {
	return p.signal(syscall.SIGKILL, 10*time.Second, true)
}

// Stop sends SIGTERM and waits up to grace for a drained exit, then kills.
func (p *Proc) Stop(grace time.Duration) error {
	return p.signal(syscall.SIGTERM, grace, false)
}

func (p *Proc) signal(sig syscall.Signal, wait time.Duration, isKill bool) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if isKill {
		p.kills++
	}
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	default:
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal %s: %w", p.Name, err)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
	}
	if sig == syscall.SIGKILL {
		return fmt.Errorf("%s: still alive %s after SIGKILL", p.Name, wait)
	}
	_ = cmd.Process.Kill()
	<-done
	return fmt.Errorf("%s: did not stop within %s of SIGTERM; killed", p.Name, wait)
}

// Restart starts the process again with the same arguments, port and log.
func (p *Proc) Restart() error { return p.start() }

// Starts counts the times the process was started.
func (p *Proc) Starts() int { p.mu.Lock(); defer p.mu.Unlock(); return p.starts }

// Kills counts the SIGKILLs sent to the process.
func (p *Proc) Kills() int { p.mu.Lock(); defer p.mu.Unlock(); return p.kills }

// WaitReady polls http://Addr/readyz until it answers 200, the process
// exits, or ctx ends.
func (p *Proc) WaitReady(ctx context.Context) error {
	if p.Addr == "" {
		return fmt.Errorf("%s: no HTTP address to probe", p.Name)
	}
	url := "http://" + p.Addr + "/readyz"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if !p.Running() {
			return fmt.Errorf("%s exited before ready; log %s:\n%s", p.Name, p.Log, Tail(p.Log, 20))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w; log %s:\n%s", p.Name, ctx.Err(), p.Log, Tail(p.Log, 20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// WaitLine waits until the process's log has a line starting with prefix
// (since its latest start) and returns the rest of that line.
func (p *Proc) WaitLine(ctx context.Context, prefix string) (string, error) {
	for {
		f, err := os.Open(p.Log)
		if err == nil {
			var found string
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := sc.Text()
				if strings.HasPrefix(line, "=== start ") {
					found = ""
				}
				if rest, ok := strings.CutPrefix(line, prefix); ok {
					found = rest
				}
			}
			_ = f.Close()
			if found != "" {
				return found, nil
			}
		}
		if !p.Running() {
			return "", fmt.Errorf("%s exited; log:\n%s", p.Name, Tail(p.Log, 20))
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s printed no %q: %w", p.Name, prefix, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// StopAll stops every process with SIGTERM (grace each) and reports the
// ones that did not drain in time.
func (c *Cluster) StopAll(grace time.Duration) error {
	procs := c.Procs()
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	// Services first, in parallel; the bus (a process without Addr) last.
	for i, p := range procs {
		if p.Addr == "" {
			continue
		}
		wg.Go(func() { errs[i] = p.Stop(grace) })
	}
	wg.Wait()
	for i, p := range procs {
		if p.Addr == "" {
			errs[i] = p.Stop(grace)
		}
	}
	return errors.Join(errs...)
}

// Tail returns the last n lines of a file, for failure messages.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// PID returns the operating-system id of the running process, or 0 when it
// is not running, so that a caller can read what the kernel knows of it
// (peak memory in /proc/PID/status, for `hule bench pipeline`).
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	select {
	case <-p.done:
		return 0
	default:
		return p.cmd.Process.Pid
	}
}
