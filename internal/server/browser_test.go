package server

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium. Outside CI a missing browser skips the browser tests; under
// CI=true it fails them (.ci/run installs it: apt-get install -y chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; install it with: apt-get install -y chromium")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); skipping the dashboard browser test")
	return ""
}

// headless runs chromium headless with a fresh profile and returns what it printed.
func headless(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// TestDashboardInBrowser loads the dashboard in headless Chromium: the DOM the browser built has the
// key elements, and screenshots of the overview and of a sync's page are real, non-blank images.
// Set ONEWAY_SCREENSHOT_DIR to keep the screenshots.
func TestDashboardInBrowser(t *testing.T) {
	bin := chromium(t)
	f := dashboardFixture(t, baseConfig)
	url, stop := f.serve(context.Background())
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()

	dom := headless(t, bin, "--dump-dom", url+"/")
	for _, want := range []string{`<table class="grid" id="syncs">`, `data-sync="s"`, `badge status-ok`, `Run now`} {
		if !strings.Contains(dom, want) {
			t.Errorf("overview DOM lacks %s", want)
		}
	}
	dom = headless(t, bin, "--dump-dom", url+"/syncs/s")
	for _, want := range []string{`<svg class="runs-chart"`, `class="c-create"`, `id="rejected"`, `class="retry"`, `manager does not exist`, `id="runs"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("sync page DOM lacks %s", want)
		}
	}
	dom = headless(t, bin, "--dump-dom", url+"/syncs/s/plan")
	if !strings.Contains(dom, `class="plan-target"`) {
		t.Error("plan page DOM lacks the plan")
	}

	dir := t.TempDir()
	if keep := os.Getenv("ONEWAY_SCREENSHOT_DIR"); keep != "" {
		dir = keep
	}
	for name, page := range map[string]string{"dashboard-index.png": "/", "dashboard-sync.png": "/syncs/s"} {
		path := filepath.Join(dir, name)
		headless(t, bin, "--screenshot="+path, "--window-size=1280,1100", url+page)
		checkScreenshot(t, path)
	}
}

// checkScreenshot decodes a PNG and checks it shows a rendered page: the right size, the dark header
// bar at the top, and a white-ish page with varied content below it.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() != 1280 || b.Dy() != 1100 {
		t.Fatalf("screenshot %s is %dx%d", path, b.Dx(), b.Dy())
	}
	if !dark(img, 640, 5) {
		t.Errorf("screenshot %s: no dark header bar at the top", path)
	}
	colors := map[uint32]bool{}
	for y := b.Min.Y + 60; y < b.Max.Y; y += 7 {
		for x := b.Min.X; x < b.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
		}
	}
	if len(colors) < 8 {
		t.Errorf("screenshot %s looks blank (%d colours)", path, len(colors))
	}
}

func dark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r < 0x4000 && g < 0x4000 && b < 0x5000
}
