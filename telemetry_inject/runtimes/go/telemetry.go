// Package telemetry records one span per call of an instrumented function,
// as JSON Lines. This file was copied into the module by telemetry-inject (by
// default at internal/telemetry/telemetry.go), which adds, per instrumented function,
// one line at the top of the body and, per file, one import. Standard library
// only; Go 1.19 or later, in modules of any `go` version (no generics, no `any`).
//
// Before:
//
//	package store
//
//	import "strings"
//
//	func (s *Store) Get(id string) (Item, error) {
//		return s.items[strings.ToLower(id)], nil
//	}
//
// After (the two added lines are all that changes):
//
//	package store
//
//	import "strings"
//	import _tel "example.com/app/internal/telemetry"
//
//	func (s *Store) Get(id string) (Item, error) {
//		defer _tel.Start("store.Store.Get").End()
//		return s.items[strings.ToLower(id)], nil
//	}
//
// The import may use any name (an alias avoids clashing with a user
// identifier). Start's argument is the span name; code.filepath, code.lineno
// (the func line), code.function and code.namespace (the import path) are
// computed at run time from the call site, once per call site, and only when a
// sink is configured. Enrichment adds lazily evaluated attributes:
//
//	_tel.Attr("order.id", func() interface{} { return order.ID })
//
// # Configuration (environment, read once at program start)
//
//   - TELEMETRY_INJECT: off/0/false/no disables everything; on/1/true/yes
//     turns spans on, written to stderr unless TELEMETRY_INJECT_OUT says where.
//   - TELEMETRY_INJECT_OUT: stderr or a file path (appended to): one JSON
//     object per finished span with name, trace_id (32 hex), span_id (16 hex),
//     parent_span_id, start_ns, duration_ns, status, error.type,
//     error.message, code.filepath, code.lineno, code.function,
//     code.namespace, thread ("goroutine N"), pid and attributes. Nothing
//     configured means off.
//   - TELEMETRY_INJECT_SAMPLE: probability in [0, 1] that a root span, and
//     with it its whole trace, is recorded (decided from the trace id).
//   - TELEMETRY_INJECT_PARENTS: off drops parent links, for speed (see
//     Parent links).
//   - TELEMETRY_INJECT_RECOVER: off never calls recover() (see Panics).
//   - OTEL_SERVICE_NAME, OTEL_SERVICE_VERSION, OTEL_RESOURCE_ATTRIBUTES
//     (service.name, service.version): attributes of every record.
//
// # Cost
//
// Off (the default), a call costs an inlined flag check in Start, a nil
// pointer kept in the defer record and a call to End that returns at once:
// about 3.5 ns and no allocation. With a sink, Start and End each walk a few
// frames of the call stack (the call site, and how End was reached) and a
// record is formatted and buffered: about 1.2 µs with parent links off.
// Parent links add one runtime.Stack call per span (below), which dominates:
// about 5.5 µs at a shallow call depth, 15 µs twenty frames deeper. (Go 1.19
// on a 2-core VM; bench/runtime_overhead_go.py measures each case.)
//
// # Parent links
//
// Go has no goroutine-local storage, so the runtime keeps the innermost live
// span of each goroutine in a map keyed by goroutine id, which Start reads
// from the header of runtime.Stack: the only way the standard library offers
// (faster ways need assembly or linkname), and one that formats the
// goroutine's whole stack, so its cost grows with call depth. A goroutine
// cannot see who started it: its first span is the root of a new trace
// (parent_span_id null, thread "goroutine N"), not a child of the span that
// ran the go statement; its later spans nest under that root. Sampled-out
// traces still pay for the lookup (children must learn that their trace is
// not recorded); sampling saves the formatting and writing.
// TELEMETRY_INJECT_PARENTS=off skips the lookup: every span is then its own
// trace, thread is null and Attr does nothing.
//
// # Panics and runtime.Goexit
//
// End is the deferred function itself, so it can tell how the function is
// being left by looking at who called it: a normal return, a panic
// (runtime.gopanic) or runtime.Goexit (t.FailNow, t.SkipNow). A Goexit is
// never touched: the span ends with status OK and attribute go.goexit=true.
// For a panic, the innermost instrumented function recovers it to read the
// value (error.type is its %T, error.message its text; status ERROR), writes
// every buffered record, and panics again with the same value; outer
// instrumented functions see that the panic in flight is this re-panic and
// record the same error without recovering again. What the program observes:
//
//   - an outer recover() gets the identical value (panic(nil) under Go 1.19
//     semantics stays a nil panic); an unrecovered panic still exits with
//     status 2 and prints the value;
//   - the crash output reads "panic: V [recovered]" then "\tpanic: V"
//     (Go 1.25+ prints one line marked [recovered, repanicked]), and the
//     goroutine trace shows End and a second panic frame above the original
//     panic site (which is still listed); runtime/debug.Stack taken inside an
//     outer deferred function shows those frames too.
//
// TELEMETRY_INJECT_RECOVER=off avoids recovering at all: panicking spans are
// recorded with status ERROR, error.type "panic" and no message, and the
// program's output is exactly that of the uninstrumented program.
//
// # When records are written
//
// Go has no atexit hook, so records are buffered and written: when a root
// span ends (every trace is on disk once its root returns, main's included);
// before a panic leaves an instrumented function; when main.main's span
// ends; once 64 KiB are buffered; and one second after a record is buffered
// (a timer, no resident goroutine). With TELEMETRY_INJECT_PARENTS=off there
// are no roots to wait for, so only the last four apply. os.Exit and
// log.Fatal end the process without running deferred calls: spans still open
// then are lost, and so can be finished spans whose root has not ended; call
// Flush before them (or defer it in main). No signal handler is installed:
// one would change how the program reacts to signals.
//
// Nothing in this package panics into the caller; a failing sink drops
// records.
package telemetry

import (
	"fmt"
	"hash/maphash"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

const (
	flushAt    = 64 << 10 // buffered bytes that trigger a write
	flushAfter = time.Second
	maxLen     = 256 // attribute values and error messages, in runes
	shardCount = 64
)

var sensitive = []string{"password", "passwd", "secret", "token", "key", "auth",
	"cookie", "session", "credential", "private"}

// Settings, written once by init and only read afterwards.
var (
	enabled       bool // the one flag Start checks
	parentsOn     = true
	recoverPanics = true
	sampleRate    = 1.0
	sinkPath      string // "stderr" or a file path
	pid           []byte
	serviceAttrs  []attribute // service.name, service.version
	attrsTail     []byte      // `"attributes":{…}}` + "\n" of a record without attributes
	endName       string      // this package's (*Span).End, as runtime names it
	base          time.Time   // start_ns = base + monotonic time since base
	baseWall      int64
	seed          uint64 // id generator seed, random per process
)

func init() {
	mode := strings.ToLower(strings.TrimSpace(os.Getenv("TELEMETRY_INJECT")))
	if isOff(mode) {
		return
	}
	sinkPath = strings.TrimSpace(os.Getenv("TELEMETRY_INJECT_OUT"))
	if sinkPath == "" && (mode == "on" || mode == "1" || mode == "true" || mode == "yes") {
		sinkPath = "stderr"
	}
	if sinkPath == "" {
		return
	}
	if sinkPath != "stderr" && !filepath.IsAbs(sinkPath) {
		if wd, err := os.Getwd(); err == nil {
			sinkPath = filepath.Join(wd, sinkPath) // the program may chdir later
		}
	}
	parentsOn = !isOff(strings.ToLower(strings.TrimSpace(os.Getenv("TELEMETRY_INJECT_PARENTS"))))
	recoverPanics = !isOff(strings.ToLower(strings.TrimSpace(os.Getenv("TELEMETRY_INJECT_RECOVER"))))
	if rate, err := strconv.ParseFloat(strings.TrimSpace(os.Getenv("TELEMETRY_INJECT_SAMPLE")), 64); err == nil && !math.IsNaN(rate) {
		sampleRate = math.Max(0, math.Min(1, rate))
	}
	pid = strconv.AppendInt(nil, int64(os.Getpid()), 10)
	serviceAttrs = serviceAttributes()
	attrsTail = appendAttributes(nil, nil, false)
	var h maphash.Hash
	seed = h.Sum64()
	base = time.Now()
	baseWall = base.UnixNano()
	endName = packagePath() + ".(*Span).End"
	for i := range shards {
		shards[i].live = map[int64]spanContext{}
	}
	enabled = true
}

func isOff(v string) bool { return v == "off" || v == "0" || v == "false" || v == "no" }

func packagePath() string {
	pc, _, _, _ := runtime.Caller(0)
	name := runtime.FuncForPC(pc).Name()
	return strings.TrimSuffix(name, ".packagePath")
}

func serviceAttributes() []attribute {
	name, version := "", ""
	for _, item := range strings.Split(os.Getenv("OTEL_RESOURCE_ATTRIBUTES"), ",") {
		key, value, ok := strings.Cut(item, "=")
		switch strings.TrimSpace(key) {
		case "service.name":
			if ok {
				name = unescape(strings.TrimSpace(value))
			}
		case "service.version":
			if ok {
				version = unescape(strings.TrimSpace(value))
			}
		}
	}
	if v := strings.TrimSpace(os.Getenv("OTEL_SERVICE_NAME")); v != "" {
		name = v
	}
	if name == "" {
		name = "unknown_service"
	}
	if v := strings.TrimSpace(os.Getenv("OTEL_SERVICE_VERSION")); v != "" {
		version = v
	}
	attrs := []attribute{{"service.name", appendString(nil, name)}}
	if version != "" {
		attrs = append(attrs, attribute{"service.version", appendString(nil, version)})
	}
	return attrs
}

// unescape decodes %XX escapes (the W3C baggage encoding of resource values).
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if b, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, s[i])
	}
	return string(out)
}

// --------------------------------------------------------------------------
// Public API

// Span is one call of an instrumented function. A nil *Span (what Start
// returns when telemetry is off or the trace is not sampled) does nothing.
type Span struct {
	site   *site
	trace  [2]uint64
	id     uint64 // 0: an unsampled root that only has to undo its context
	parent uint64 // 0: root
	start  int64  // nanoseconds since base, monotonic
	goid   int64  // 0 when parent links are off
}

// Start begins a span named name for the calling function. Use it only as
// `defer <pkg>.Start("pkg.Func").End()` on the first line of the body.
func Start(name string) *Span {
	if !enabled {
		return nil
	}
	return start(name)
}

// End finishes the span. It must be the deferred call itself (see Start):
// that is how it tells a return from a panic or a runtime.Goexit.
func (s *Span) End() {
	if s == nil {
		return
	}
	if s.id == 0 {
		s.restore()
		return
	}
	var pcs [4]uintptr
	how, ours := leaving(pcs[:runtime.Callers(2, pcs[:])])
	if how == panicking && recoverPanics && !ours {
		// recover and panic must be called right here, in the deferred
		// function: recover only works there, and an outer span recognises
		// this re-panic by End being the frame that raised it.
		value := recover()
		s.finish(panicking, value, true)
		panic(value)
	}
	s.finish(how, nil, false)
}

// Attr sets attribute name on the calling goroutine's innermost span to
// value(), evaluated only when that span is being recorded. Names that look
// sensitive (password, token, secret, key, auth, cookie, session, …) are
// redacted without calling value; long values are truncated; a panic in
// value is swallowed and the attribute dropped.
func Attr(name string, value func() interface{}) {
	if !enabled || !parentsOn {
		return
	}
	setAttr(name, value)
}

// Flush writes buffered records now. Call it (or defer it in main) before
// os.Exit or log.Fatal, which skip deferred calls.
func Flush() {
	if !enabled {
		return
	}
	defer swallow()
	writeMu.Lock()
	defer writeMu.Unlock()
	bufMu.Lock()
	data := buf
	buf = spare[:0]
	bufMu.Unlock()
	if len(data) > 0 {
		write(data)
	}
	spare = data[:0]
}

// --------------------------------------------------------------------------
// Starting spans

// swallow is deferred by every function of ours that runs on the user's
// goroutine: a bug here must never become the user's panic. It recovers only
// panics raised inside that function, never one the user is unwinding.
func swallow() { _ = recover() }

//go:noinline
func start(name string) (span *Span) {
	defer func() {
		if recover() != nil {
			span = nil
		}
	}()
	var pcs [1]uintptr
	if runtime.Callers(3, pcs[:]) == 0 { // 0 Callers, 1 start, 2 Start, 3 the function
		return nil
	}
	s := &Span{site: siteFor(pcs[0], name)}
	if parentsOn {
		s.goid = goroutineID()
	}
	if s.goid == 0 { // parent links off: every span is a root
		s.trace = newTraceID()
		if !sampled(s.trace) {
			return nil
		}
		s.id = newID()
		s.start = int64(time.Since(base))
		return s
	}
	sh := &shards[s.goid%shardCount]
	sh.mu.Lock()
	current, ok := sh.live[s.goid]
	if ok && !current.sampled {
		sh.mu.Unlock()
		return nil // inside an unsampled trace: its root undoes the context
	}
	if ok {
		s.trace, s.parent = current.trace, current.id
	} else {
		s.trace = newTraceID()
	}
	if !ok && !sampled(s.trace) {
		sh.live[s.goid] = spanContext{sampled: false}
	} else {
		s.id = newID()
		sh.live[s.goid] = spanContext{trace: s.trace, id: s.id, sampled: true}
	}
	sh.mu.Unlock()
	s.start = int64(time.Since(base))
	return s
}

// spanContext is what a goroutine's next span needs from its innermost live span.
type spanContext struct {
	trace   [2]uint64
	id      uint64
	sampled bool
}

type shard struct {
	mu   sync.Mutex
	live map[int64]spanContext // goroutine id -> innermost live span
}

var shards [shardCount]shard // maps made by init when enabled

// restore makes the span's parent the goroutine's innermost span again.
func (s *Span) restore() {
	if s.goid == 0 {
		return
	}
	sh := &shards[s.goid%shardCount]
	sh.mu.Lock()
	if s.parent == 0 {
		delete(sh.live, s.goid)
	} else {
		sh.live[s.goid] = spanContext{trace: s.trace, id: s.parent, sampled: true}
	}
	sh.mu.Unlock()
}

// goroutineID parses "goroutine 123 [running]:" written by runtime.Stack.
func goroutineID() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	const prefix = "goroutine "
	var id int64
	for i := len(prefix); i < n && buf[i] >= '0' && buf[i] <= '9'; i++ {
		id = id*10 + int64(buf[i]-'0')
	}
	return id
}

// Ids: a per-process random seed plus a counter, through the splitmix64
// finaliser (a bijection), so ids never repeat within a process and are
// random-looking across processes. Zero is skipped (invalid in W3C).
var counter atomic.Uint64

func newID() uint64 {
	for {
		z := seed + counter.Add(1)*0x9e3779b97f4a7c15
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		if z ^= z >> 31; z != 0 {
			return z
		}
	}
}

func newTraceID() [2]uint64 { return [2]uint64{newID(), newID()} }

func sampled(trace [2]uint64) bool {
	return sampleRate >= 1 || float64(trace[1]>>11)/(1<<53) < sampleRate
}

// site holds what is constant for one call site: the record's start.
type site struct {
	name   string
	prefix []byte // `{"name":…,"code.filepath":…,…,"trace_id":"`
	main   bool   // main.main: its end is the program's
}

var (
	sitesMu sync.RWMutex
	sites   = map[uintptr]*site{} // by call-site pc
)

func siteFor(pc uintptr, name string) *site {
	sitesMu.RLock()
	cached := sites[pc]
	sitesMu.RUnlock()
	if cached != nil && cached.name == name {
		return cached
	}
	frame, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	file, line := frame.File, frame.Line
	if fn := runtime.FuncForPC(frame.Entry); fn != nil && frame.Entry != 0 {
		file, line = fn.FileLine(frame.Entry) // the func line, like Python's co_firstlineno
	}
	namespace, function := splitFunction(frame.Function)
	b := append([]byte(`{"name":`), appendString(nil, name)...)
	b = append(appendString(append(b, `,"code.filepath":`...), file), `,"code.lineno":`...)
	b = append(strconv.AppendInt(b, int64(line), 10), `,"code.function":`...)
	b = append(appendString(b, function), `,"code.namespace":`...)
	b = append(appendString(b, namespace), `,"trace_id":"`...)
	made := &site{name: name, prefix: b, main: frame.Function == "main.main"}
	sitesMu.Lock()
	sites[pc] = made
	sitesMu.Unlock()
	return made
}

// splitFunction splits "example.com/app/store.(*Store).Get" into the import
// path and the name within the package ("(*Store).Get").
func splitFunction(full string) (namespace, function string) {
	slash := strings.LastIndexByte(full, '/')
	if dot := strings.IndexByte(full[slash+1:], '.'); dot >= 0 {
		return full[:slash+1+dot], full[slash+2+dot:]
	}
	return "", full
}

// --------------------------------------------------------------------------
// Ending spans

type exit int

const (
	returning exit = iota
	panicking
	goexiting
)

// leaving tells, from the frames above End, how the instrumented function is
// being left, and for a panic whether End itself raised it (an inner span's
// re-panic). runtime.Callers elides the compiler's defer wrapper (1.22+
// names it f.deferwrapN; skipped here too). Should a toolchain ever show
// another frame first, panics would be recorded as OK and left untouched,
// never changed.
func leaving(pcs []uintptr) (how exit, ours bool) {
	defer swallow()
	for i, pc := range pcs {
		fn := runtime.FuncForPC(pc - 1)
		if fn == nil {
			return returning, false
		}
		switch name := fn.Name(); {
		case name == "runtime.gopanic":
			if i+1 < len(pcs) {
				if raiser := runtime.FuncForPC(pcs[i+1] - 1); raiser != nil && raiser.Name() == endName {
					return panicking, true
				}
			}
			return panicking, false
		case name == "runtime.Goexit":
			return goexiting, false
		case !strings.HasPrefix(name, "runtime.") && !strings.Contains(name, ".deferwrap"):
			return returning, false // the function itself, or what called it
		}
	}
	return returning, false
}

// In-flight panics by goroutine, so outer spans can record what the
// innermost one recovered without recovering again. Entries are never
// needed after their panic; the map is cleared when it grows large.
var (
	panicsMu sync.Mutex
	panics   = map[int64][2]string{}
)

func (s *Span) finish(how exit, value interface{}, recovered bool) {
	defer swallow()
	end := int64(time.Since(base))
	s.restore()
	status, errType, errMessage, known := "OK", "", "", false
	if how == panicking {
		status, errType = "ERROR", "panic"
		if recovered || recoverPanics {
			errType, errMessage, known = s.panicDetails(value, recovered)
		}
	}
	var local [512]byte
	b := append(local[:0], s.site.prefix...)
	b = appendHex(appendHex(b, s.trace[0]), s.trace[1])
	b = appendHex(append(b, `","span_id":"`...), s.id)
	if s.parent == 0 {
		b = append(b, `","parent_span_id":null,"start_ns":`...)
	} else {
		b = append(appendHex(append(b, `","parent_span_id":"`...), s.parent), `","start_ns":`...)
	}
	b = append(strconv.AppendInt(b, baseWall+s.start, 10), `,"duration_ns":`...)
	b = append(strconv.AppendInt(b, end-s.start, 10), `,"status":"`...)
	b = append(append(b, status...), `","error.type":`...)
	switch {
	case status == "OK":
		b = append(b, `null,"error.message":null`...)
	case known:
		b = appendString(append(appendString(b, errType), `,"error.message":`...), errMessage)
	default:
		b = append(appendString(b, errType), `,"error.message":null`...)
	}
	if s.goid == 0 {
		b = append(b, `,"thread":null,"pid":`...)
	} else {
		b = append(strconv.AppendInt(append(b, `,"thread":"goroutine `...), s.goid, 10), `","pid":`...)
	}
	b = append(append(b, pid...), ',')
	if attrs := takeAttributes(s.id); len(attrs) > 0 || how == goexiting {
		b = appendAttributes(b, attrs, how == goexiting)
	} else {
		b = append(b, attrsTail...)
	}

	bufMu.Lock()
	buf = append(buf, b...)
	full := len(buf) >= flushAt
	if !timerArmed {
		timerArmed = true
		time.AfterFunc(flushAfter, timedFlush)
	}
	bufMu.Unlock()
	if full || how == panicking || s.site.main || (s.parent == 0 && s.goid != 0) {
		Flush()
	}
}

// panicDetails returns error.type and error.message for the panic leaving
// this span: from the value the span recovered, or else from what the
// innermost span of this goroutine recovered for the same panic.
func (s *Span) panicDetails(value interface{}, recovered bool) (errType, errMessage string, known bool) {
	goid := s.goid
	if goid == 0 {
		goid = goroutineID()
	}
	if recovered {
		errType, errMessage = describe(value)
	}
	panicsMu.Lock()
	defer panicsMu.Unlock()
	if recovered {
		if len(panics) >= 1024 {
			panics = map[int64][2]string{}
		}
		panics[goid] = [2]string{errType, errMessage}
		return errType, errMessage, true
	}
	seen, ok := panics[goid]
	if !ok {
		return "panic", "", false
	}
	return seen[0], seen[1], true
}

// describe gives error.type and error.message for a panic value.
func describe(value interface{}) (errType, errMessage string) {
	defer func() {
		if recover() != nil {
			errType, errMessage = fmt.Sprintf("%T", value), "<unprintable>"
		}
	}()
	return fmt.Sprintf("%T", value), truncate(fmt.Sprint(value))
}

// --------------------------------------------------------------------------
// Attributes

type attribute struct {
	name  string
	value []byte // JSON
}

var (
	pendingMu sync.Mutex
	pending   = map[uint64][]attribute{} // span id -> attributes set by Attr
	pendingN  atomic.Int32
)

func setAttr(name string, value func() interface{}) {
	defer swallow()
	goid := goroutineID()
	sh := &shards[goid%shardCount]
	sh.mu.Lock()
	current, ok := sh.live[goid]
	sh.mu.Unlock()
	if !ok || !current.sampled {
		return
	}
	var encoded []byte
	if isSensitive(name) {
		encoded = appendString(nil, "[REDACTED]")
	} else if v, ok := evaluate(value); ok {
		encoded = appendValue(nil, v)
	} else {
		return
	}
	pendingMu.Lock()
	attrs := pending[current.id]
	if len(attrs) == 0 {
		pendingN.Add(1)
	}
	pending[current.id] = setAttribute(attrs, attribute{name, encoded})
	pendingMu.Unlock()
}

// evaluate calls value; a panic in it is swallowed (ok is then false).
func evaluate(value func() interface{}) (v interface{}, ok bool) {
	defer func() {
		if recover() != nil {
			v, ok = nil, false
		}
	}()
	return value(), true
}

func takeAttributes(id uint64) []attribute {
	if pendingN.Load() == 0 {
		return nil
	}
	pendingMu.Lock()
	attrs, ok := pending[id]
	if ok {
		delete(pending, id)
		pendingN.Add(-1)
	}
	pendingMu.Unlock()
	return attrs
}

// setAttribute keeps the first position of a name and its last value.
func setAttribute(attrs []attribute, a attribute) []attribute {
	for i := range attrs {
		if attrs[i].name == a.name {
			attrs[i].value = a.value
			return attrs
		}
	}
	return append(attrs, a)
}

func isSensitive(name string) bool {
	lowered := strings.ToLower(name)
	for _, word := range sensitive {
		if strings.Contains(lowered, word) {
			return true
		}
	}
	return false
}

// appendAttributes writes `"attributes":{…}}` and the newline ending a record.
func appendAttributes(b []byte, attrs []attribute, goexit bool) []byte {
	all := append([]attribute(nil), serviceAttrs...)
	if goexit {
		all = append(all, attribute{"go.goexit", []byte("true")})
	}
	for _, a := range attrs {
		all = setAttribute(all, a)
	}
	b = append(b, `"attributes":{`...)
	for i, a := range all {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(appendString(b, a.name), ':'), a.value...)
	}
	return append(b, "}}\n"...)
}

func appendValue(b []byte, v interface{}) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int8:
		return strconv.AppendInt(b, int64(x), 10)
	case int16:
		return strconv.AppendInt(b, int64(x), 10)
	case int32:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case uint:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10)
	case uint64:
		return strconv.AppendUint(b, x, 10)
	case float32:
		return appendFloat(b, float64(x), 32)
	case float64:
		return appendFloat(b, x, 64)
	case string:
		return appendString(b, truncate(x))
	}
	return appendString(b, truncate(fmt.Sprint(v))) // error, Stringer, anything else
}

func appendFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendString(b, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(b, f, 'g', -1, bits)
}

func truncate(s string) string {
	if len(s) <= maxLen || utf8.RuneCountInString(s) <= maxLen {
		return s
	}
	n := 0
	for i := range s {
		if n == maxLen-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// --------------------------------------------------------------------------
// JSON Lines sink

var (
	bufMu      sync.Mutex
	buf        []byte
	timerArmed bool
	writeMu    sync.Mutex // held while writing; guards spare and sinkFile
	spare      []byte
	sinkFile   *os.File
)

func timedFlush() {
	bufMu.Lock()
	timerArmed = false
	bufMu.Unlock()
	Flush()
}

func write(data []byte) {
	if sinkPath == "stderr" {
		_, _ = os.Stderr.Write(data)
		return
	}
	if sinkFile == nil {
		f, err := os.OpenFile(sinkPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return // dropped; the next flush tries again
		}
		sinkFile = f
	}
	_, _ = sinkFile.Write(data)
}

const hexDigits = "0123456789abcdef"

func appendHex(b []byte, x uint64) []byte {
	var d [16]byte
	for i := 15; i >= 0; i-- {
		d[i] = hexDigits[x&15]
		x >>= 4
	}
	return append(b, d[:]...)
}

// appendString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
