// Debian's go-criu (golang-github-checkpoint-restore-go-criu-dev, v5) drives
// criu-lite swrk as runc and other Go callers do: VERSION, FEATURE_CHECK,
// a dump with leave_running and NOTIFY stages, a pre-dump chain, a final
// dump, a page server started over RPC with a dump sent to it, and restores
// of restore_basic, which checks its own memory. TAP output.
//
// Usage: go-criu-test CRIU_LITE TARGETS_DIR TMPDIR
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	criu "github.com/checkpoint-restore/go-criu/v5"
	"github.com/checkpoint-restore/go-criu/v5/rpc"
	"google.golang.org/protobuf/proto"
)

var (
	bin, targets, tmp string
	n                 int
)

func ok(format string, a ...interface{}) {
	n++
	fmt.Printf("ok %d - %s\n", n, fmt.Sprintf(format, a...))
}

func fail(format string, a ...interface{}) {
	fmt.Printf("not ok %d - %s\n", n+1, fmt.Sprintf(format, a...))
	os.Exit(1)
}

func waitFile(path string, secs int) bool {
	for end := time.Now().Add(time.Duration(secs) * time.Second); time.Now().Before(end); {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// stages records the NOTIFY stages a dump sends (go-criu answers each).
type stages struct {
	criu.NoNotify
	seen []string
}

func (s *stages) PreDump() error  { s.seen = append(s.seen, "pre-dump"); return nil }
func (s *stages) PostDump() error { s.seen = append(s.seen, "post-dump"); return nil }

// opts for one operation: images in dir (kept open: criu-lite reads the fd
// from our fd table), a log there.
func opts(dir string, files *[]*os.File) *rpc.CriuOpts {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail("mkdir %s: %v", dir, err)
	}
	f, err := os.Open(dir)
	if err != nil {
		fail("open %s: %v", dir, err)
	}
	*files = append(*files, f)
	return &rpc.CriuOpts{
		ImagesDirFd: proto.Int32(int32(f.Fd())),
		LogFile:     proto.String("rpc.log"),
		LogLevel:    proto.Int32(4),
	}
}

func startTarget(dir, mib string) *exec.Cmd {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fail("mkdir %s: %v", dir, err)
	}
	t := exec.Command(filepath.Join(targets, "restore_basic"), dir, mib)
	t.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := t.Start(); err != nil {
		fail("start restore_basic: %v", err)
	}
	if !waitFile(filepath.Join(dir, "ready"), 10) {
		fail("target did not get ready")
	}
	return t
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// The restored target checks itself when DIR/check appears.
func checkRestored(dir string, pid int) {
	if !alive(pid) {
		fail("restored pid %d is not running", pid)
	}
	if err := os.WriteFile(filepath.Join(dir, "check"), nil, 0o644); err != nil {
		fail("check file: %v", err)
	}
	if !waitFile(filepath.Join(dir, "result"), 10) {
		fail("restored target did not report")
	}
	res, _ := os.ReadFile(filepath.Join(dir, "result"))
	if r := strings.TrimSpace(string(res)); r != "PASS" {
		fail("restored target: %s", r)
	}
	syscall.Kill(pid, syscall.SIGKILL)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go-criu-test CRIU_LITE TARGETS_DIR TMPDIR")
		os.Exit(2)
	}
	bin, targets, tmp = os.Args[1], os.Args[2], os.Args[3]
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()

	c := criu.MakeCriu()
	c.SetCriuPath(bin)
	v, err := c.GetCriuVersion()
	if err != nil || v < 40000 {
		fail("GetCriuVersion: %d %v", v, err)
	}
	ok("GetCriuVersion: %d", v)
	if at, err := c.IsCriuAtLeast(31500); err != nil || !at {
		fail("IsCriuAtLeast(31500): %v %v", at, err)
	}
	ok("IsCriuAtLeast(31500)")

	// go-criu v5 returns the features it asked about, not the answer: the
	// call itself must succeed with a FEATURE_CHECK response.
	if _, err := c.FeatureCheck(&rpc.CriuFeatures{MemTrack: proto.Bool(true)}); err != nil {
		fail("FeatureCheck mem_track: %v", err)
	}
	ok("FeatureCheck mem_track answered")

	d := filepath.Join(tmp, "t")
	t := startTarget(d, "16")
	pid := int32(t.Process.Pid)

	o := opts(filepath.Join(d, "lr"), &files)
	o.Pid, o.LeaveRunning = proto.Int32(pid), proto.Bool(true)
	nf := &stages{}
	if err := c.Dump(o, nf); err != nil {
		fail("Dump leave_running: %v", err)
	}
	if !alive(int(pid)) {
		fail("target died after a dump with leave_running")
	}
	if strings.Join(nf.seen, ",") != "pre-dump,post-dump" {
		fail("NOTIFY stages: %v", nf.seen)
	}
	ok("Dump leave_running: target runs on, NOTIFY %s", strings.Join(nf.seen, ","))

	// one swrk for the chain, as runc's pre-dump iterations
	if err := c.Prepare(); err != nil {
		fail("Prepare: %v", err)
	}
	o = opts(filepath.Join(d, "p1"), &files)
	o.Pid, o.TrackMem = proto.Int32(pid), proto.Bool(true)
	if err := c.PreDump(o, nil); err != nil {
		fail("PreDump 1: %v", err)
	}
	o = opts(filepath.Join(d, "p2"), &files)
	o.Pid, o.TrackMem, o.ParentImg = proto.Int32(pid), proto.Bool(true), proto.String("../p1")
	if err := c.PreDump(o, nil); err != nil {
		fail("PreDump 2: %v", err)
	}
	if !alive(int(pid)) {
		fail("target died after pre-dumps")
	}
	ok("PreDump chain of two on one swrk")
	o = opts(filepath.Join(d, "final"), &files)
	o.Pid, o.TrackMem, o.ParentImg = proto.Int32(pid), proto.Bool(true), proto.String("../p2")
	if err := c.Dump(o, nil); err != nil {
		fail("final Dump: %v", err)
	}
	c.Cleanup()
	t.Wait()
	ok("final Dump on the chain, target gone")

	o = opts(filepath.Join(d, "final"), &files)
	if err := c.Restore(o, nil); err != nil {
		fail("Restore: %v", err)
	}
	checkRestored(d, int(pid))
	ok("Restore: pid %d checked its memory: PASS", pid)

	// A page server started over RPC (a child of its swrk) into srv/, a dump
	// into img/ sending its memory there: img/ gets no pages, srv/ gets them.
	u := filepath.Join(tmp, "u")
	t = startTarget(u, "8")
	pid = int32(t.Process.Pid)
	ps := criu.MakeCriu()
	ps.SetCriuPath(bin)
	if err := ps.Prepare(); err != nil {
		fail("Prepare: %v", err)
	}
	o = opts(filepath.Join(u, "srv"), &files)
	o.Ps = &rpc.CriuPageServerInfo{Address: proto.String("127.0.0.1"), Port: proto.Int32(0)}
	spid, port, err := ps.StartPageServerChld(o)
	if err != nil || spid <= 0 || port <= 0 || !alive(spid) {
		fail("StartPageServerChld: pid %d port %d: %v", spid, port, err)
	}
	ok("StartPageServerChld: pid %d port %d", spid, port)
	o = opts(filepath.Join(u, "img"), &files)
	o.Pid = proto.Int32(pid)
	o.Ps = &rpc.CriuPageServerInfo{Address: proto.String("127.0.0.1"), Port: proto.Int32(int32(port))}
	if err := c.Dump(o, nil); err != nil {
		fail("Dump to the page server: %v", err)
	}
	t.Wait()
	ps.Cleanup()
	local, _ := filepath.Glob(filepath.Join(u, "img", "pages-*.img"))
	sent, _ := filepath.Glob(filepath.Join(u, "srv", "page*.img"))
	if len(local) != 0 || len(sent) < 2 {
		fail("pages in the dump dir %v, in the server's %v", local, sent)
	}
	ok("Dump to the page server: %d page images there, none local; target gone", len(sent))
	for _, f := range sent {
		if err := os.Rename(f, filepath.Join(u, "img", filepath.Base(f))); err != nil {
			fail("move %s: %v", f, err)
		}
	}
	o = opts(filepath.Join(u, "img"), &files)
	if err := c.Restore(o, nil); err != nil {
		fail("Restore with the page server's pages: %v", err)
	}
	checkRestored(u, int(pid))
	ok("Restore with the page server's pages: pid %d checked its memory: PASS", pid)

	// A refused field is answered, not dropped.
	o = opts(filepath.Join(d, "lr"), &files)
	o.Pid, o.LsmProfile = proto.Int32(int32(os.Getpid())), proto.String("apparmor:x")
	err = c.Dump(o, nil)
	if err == nil || !strings.Contains(err.Error(), "lsm_profile") {
		fail("Dump with lsm_profile: %v", err)
	}
	ok("criu_opts.lsm_profile refused: %v", err)
	fmt.Printf("1..%d\n", n)
}
