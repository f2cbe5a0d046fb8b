package server

import (
	"fmt"
	"slices"
)

// chart is a stacked bar chart of a target's runs: created, updated, deleted and failed records per
// run, oldest on the left, drawn as inline SVG on the server (no script).
type chart struct {
	Target        string
	Width, Height int
	PlotTop       float64
	PlotBottom    float64
	PlotLeft      float64
	PlotRight     float64
	Bars          []bar
	YTicks        []tick
	XLabels       []tick
	Legend        []legendItem
	Empty         bool
}

type bar struct {
	X, W     float64
	Title    string
	Segments []segment
}

type segment struct {
	Y, H  float64
	Class string
}

type tick struct {
	X, Y  float64
	Label string
}

type legendItem struct {
	X     float64
	Class string
	Label string
}

// chartRuns is how many runs a chart shows.
const chartRuns = 30

var chartSeries = []struct {
	class, label string
	value        func(runView) int
}{
	{"c-create", "created", func(r runView) int { return r.Create }},
	{"c-update", "updated", func(r runView) int { return r.Update }},
	{"c-delete", "deleted", func(r runView) int { return r.Delete }},
	{"c-failed", "failed", func(r runView) int { return r.Failed }},
}

// buildChart draws the runs of one target (given newest first, as the ledger lists them).
func buildChart(target string, runs []runView) chart {
	c := chart{Target: target, Width: 720, Height: 220, PlotTop: 28, PlotBottom: 190, PlotLeft: 48, PlotRight: 710}
	for i, s := range chartSeries {
		c.Legend = append(c.Legend, legendItem{X: c.PlotLeft + float64(i)*90, Class: s.class, Label: s.label})
	}
	var rs []runView
	for _, r := range runs {
		if r.Target == target {
			rs = append(rs, r)
		}
	}
	if len(rs) > chartRuns {
		rs = rs[:chartRuns]
	}
	slices.Reverse(rs)
	if len(rs) == 0 {
		c.Empty = true
		return c
	}
	maxTotal := 1
	for _, r := range rs {
		maxTotal = max(maxTotal, r.Create+r.Update+r.Delete+r.Failed)
	}
	height := c.PlotBottom - c.PlotTop
	for _, v := range []int{0, (maxTotal + 1) / 2, maxTotal} {
		c.YTicks = append(c.YTicks, tick{X: c.PlotLeft - 6, Y: c.PlotBottom - height*float64(v)/float64(maxTotal), Label: fmt.Sprint(v)})
	}
	slot := (c.PlotRight - c.PlotLeft) / float64(chartRuns)
	labelEvery := max(1, len(rs)/6)
	for i, r := range rs {
		b := bar{X: c.PlotLeft + float64(i)*slot + slot*0.15, W: slot * 0.7}
		b.Title = fmt.Sprintf("run #%d %s (%s): %d created, %d updated, %d deleted, %d failed",
			r.ID, r.Started.Format("2006-01-02 15:04"), r.Status, r.Create, r.Update, r.Delete, r.Failed)
		y := c.PlotBottom
		for _, s := range chartSeries {
			v := s.value(r)
			if v == 0 {
				continue
			}
			h := height * float64(v) / float64(maxTotal)
			y -= h
			b.Segments = append(b.Segments, segment{Y: y, H: h, Class: s.class})
		}
		c.Bars = append(c.Bars, b)
		if i%labelEvery == 0 {
			c.XLabels = append(c.XLabels, tick{X: b.X + b.W/2, Y: c.PlotBottom + 16, Label: fmt.Sprintf("#%d", r.ID)})
		}
	}
	return c
}
