package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// sample is what one peer measured over all rounds.
type sample struct {
	startup   []time.Duration
	listBytes int
	tools     int
	rssStart  []int64
	rssEnd    []int64
	ops       map[string][]time.Duration
	opBytes   map[string]int // answer size of the last call
	opErr     map[string]string
	// inFlight: per round, calls/s and the p99 latency of inFlightCalls
	// notes reads sent at once on one session.
	inFlightRate []float64
	inFlightP99  []time.Duration
	inFlightErr  string
}

// inFlightCalls is how many calls the concurrency row keeps in flight at
// once: over stdio every MCP session is a process (a hundred Python servers
// would need ~18 GB), so concurrency is measured as calls in flight on one
// session, which each server must answer as they come.
const inFlightCalls = 100

type results struct {
	peers   []peer
	samples map[string]*sample
	rounds  int
	calls   int
}

// bench runs rounds; in each round every peer gets a fresh process, and
// the order alternates (ours, peer, then peer, ours) so drift in machine
// load hits both sides alike.
func bench(ctx context.Context, f *fixture, peers []peer, rounds, calls int, stderr io.Writer) (*results, error) {
	res := &results{peers: peers, samples: map[string]*sample{}, rounds: rounds, calls: calls}
	for _, p := range peers {
		res.samples[p.name] = &sample{ops: map[string][]time.Duration{}, opBytes: map[string]int{}, opErr: map[string]string{}}
	}
	seq := 0
	for r := range rounds {
		order := slices.Clone(peers)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, p := range order {
			smp := res.samples[p.name]
			s, err := start(ctx, p, stderr)
			if err != nil {
				return nil, err
			}
			smp.startup = append(smp.startup, s.startup)
			smp.listBytes, smp.tools = s.listBytes, len(s.tools)
			if v, err := s.rss(); err == nil {
				smp.rssStart = append(smp.rssStart, v)
			}
			for _, op := range operations {
				c, ok := p.ops[op]
				if !ok || smp.opErr[op] != "" {
					continue
				}
				// one untimed call first: connection set-up and lazy
				// initialisation are start-up, not the operation
				for j := -1; j < calls; j++ {
					seq++
					d, out, err := s.callTool(ctx, c.tool, c.args(f, seq))
					if err != nil {
						smp.opErr[op] = err.Error()
						break
					}
					b, _ := json.Marshal(out)
					if want, ok := wants[op]; ok && j < 0 {
						if err := want(string(b)); err != nil {
							smp.opErr[op] = err.Error()
							break
						}
					}
					if j >= 0 {
						smp.ops[op] = append(smp.ops[op], d)
					}
					smp.opBytes[op] = len(b)
				}
			}
			if c, ok := p.ops["notes get"]; ok && smp.inFlightErr == "" {
				rate, p99, err := inFlight(ctx, s, c, f, &seq)
				if err != nil {
					smp.inFlightErr = err.Error()
				} else {
					smp.inFlightRate = append(smp.inFlightRate, rate)
					smp.inFlightP99 = append(smp.inFlightP99, p99)
				}
			}
			if v, err := s.rss(); err == nil {
				smp.rssEnd = append(smp.rssEnd, v)
			}
			s.close()
		}
	}
	return res, nil
}

// inFlight sends inFlightCalls notes reads at once on s and returns the
// calls per second over the whole burst and the 99th-percentile latency.
func inFlight(ctx context.Context, s *session, c call, f *fixture, seq *int) (float64, time.Duration, error) {
	durs := make([]time.Duration, inFlightCalls)
	errs := make([]error, inFlightCalls)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range inFlightCalls {
		*seq++
		args := c.args(f, *seq)
		wg.Go(func() {
			d, out, err := s.callTool(ctx, c.tool, args)
			if err == nil {
				b, _ := json.Marshal(out)
				err = wants["notes get"](string(b))
			}
			durs[i], errs[i] = d, err
		})
	}
	wg.Wait()
	total := time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		return 0, 0, err
	}
	slices.Sort(durs)
	return float64(inFlightCalls) / total.Seconds(), durs[(len(durs)*99+99)/100-1], nil
}

func minMedian(ds []time.Duration) (time.Duration, time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[0], s[len(s)/2]
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func kb(b int) string { return fmt.Sprintf("%.1f KB", float64(b)/1000) }

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// print writes the Markdown table: per peer min / median (ms), the ratio
// ours/peer on medians, and the answer size.
func (r *results) print(w io.Writer, now time.Time) {
	ours := r.samples["ours"]
	others := r.peers[1:]
	fmt.Fprintf(w, "Measured %s on %d cores (%s/%s), %d interleaved rounds (a fresh process per server per round), %d timed calls per operation per round after one untimed call; min / median in ms.\n\n",
		now.UTC().Format("2006-01-02"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, r.rounds, r.calls)
	head := "| Operation | ours |"
	sep := "|---|---|"
	for _, p := range others {
		head += fmt.Sprintf(" %s | ours / %s | answer size ours / %s |", p.name, p.name, p.name)
		sep += "---|---|---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)

	row := func(name string, cell func(*sample) (string, float64, bool), extra func(o, p *sample) string) {
		line := "| " + name + " | "
		oc, ov, ook := cell(ours)
		line += oc + " |"
		for _, p := range others {
			ps := r.samples[p.name]
			pc, pv, pok := cell(ps)
			rt := "n/a"
			if ook && pok {
				rt = ratio(ov, pv)
			}
			line += " " + pc + " | " + rt + " | " + extra(ours, ps) + " |"
		}
		fmt.Fprintln(w, line)
	}
	none := func(o, p *sample) string { return "" }
	row("start-up to first tools/list (ms)", func(s *sample) (string, float64, bool) {
		lo, med := minMedian(s.startup)
		return ms(lo) + " / " + ms(med), float64(med), true
	}, none)
	row("tools/list size", func(s *sample) (string, float64, bool) {
		return fmt.Sprintf("%s (%d tools)", kb(s.listBytes), s.tools), float64(s.listBytes), true
	}, none)
	rssRow := func(name string, get func(*sample) []int64) {
		row(name, func(s *sample) (string, float64, bool) {
			v := slices.Clone(get(s))
			if len(v) == 0 {
				return "n/a", 0, false
			}
			slices.Sort(v)
			return mib(v[len(v)/2]), float64(v[len(v)/2]), true
		}, none)
	}
	rssRow("RSS after start (median)", func(s *sample) []int64 { return s.rssStart })
	rssRow("RSS after the calls below (median)", func(s *sample) []int64 { return s.rssEnd })
	for _, op := range operations {
		row(op+" (ms)", func(s *sample) (string, float64, bool) {
			if e := s.opErr[op]; e != "" {
				return "error: " + oneLine(e), 0, false
			}
			d := s.ops[op]
			if len(d) == 0 {
				return "n/a", 0, false
			}
			lo, med := minMedian(d)
			return ms(lo) + " / " + ms(med), float64(med), true
		}, func(o, p *sample) string {
			if o.opBytes[op] == 0 || p.opBytes[op] == 0 {
				return ""
			}
			return kb(o.opBytes[op]) + " / " + kb(p.opBytes[op])
		})
	}
	r.inFlightRows(row)
}

// inFlightRows prints the concurrency rows: calls/s (median over rounds;
// the ratio is ours/peer, so above 1 is faster here) and p99 latency.
func (r *results) inFlightRows(row func(string, func(*sample) (string, float64, bool), func(o, p *sample) string)) {
	none := func(o, p *sample) string { return "" }
	name := fmt.Sprintf("%d notes gets in flight on one session", inFlightCalls)
	row(name+": calls/s (median)", func(s *sample) (string, float64, bool) {
		if s.inFlightErr != "" {
			return "error: " + oneLine(s.inFlightErr), 0, false
		}
		if len(s.inFlightRate) == 0 {
			return "n/a", 0, false
		}
		v := slices.Clone(s.inFlightRate)
		slices.Sort(v)
		return fmt.Sprintf("%.0f", v[len(v)/2]), v[len(v)/2], true
	}, none)
	row(name+": p99 (ms, min / median)", func(s *sample) (string, float64, bool) {
		if s.inFlightErr != "" || len(s.inFlightP99) == 0 {
			return "n/a", 0, false
		}
		lo, med := minMedian(s.inFlightP99)
		return ms(lo) + " / " + ms(med), float64(med), true
	}, none)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
