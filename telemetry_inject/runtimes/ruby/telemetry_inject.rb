# frozen_string_literal: true

# Telemetry runtime copied into instrumented repositories by telemetry-inject.
# Ruby 2.6+ (do...end blocks with rescue/else/ensure), core only: no require, not even json (a
# default gem activated before Bundler can conflict with the version a Gemfile.lock pins).
#
# Configuration (environment, read once at load):
#   TELEMETRY_INJECT        off/0/false/no: `span` just yields.  on/1/true/yes: spans on;
#                           without TELEMETRY_INJECT_OUT the records go to $stderr.
#   TELEMETRY_INJECT_OUT    "stderr" or a file path (appended to; resolved at load): one JSON
#                           object per finished span (JSON Lines), the Python runtime's schema.
#   TELEMETRY_INJECT_SAMPLE probability in [0, 1] that a root span (and its trace) is recorded.
#   OTEL_SERVICE_NAME, OTEL_SERVICE_VERSION, OTEL_RESOURCE_ATTRIBUTES: service.* attributes.
# Nothing configured: `span` is defined as a bare `yield` and `attr` as a no-op, so a call costs
# one method call and its block, no flag check at all (measured: 60-80 ns a call over a plain
# method on a slow 2-core VM where the plain call is 40 ns; recording, about 1.2 us a span plus
# about 1.3 us to format its record).
#
# Records are buffered and written when 1024 are waiting, at the first span end more than a
# second after the previous write, at `flush`, at exit (at_exit: normal end, `exit`, `abort`,
# an uncaught exception, SIGTERM/SIGINT), and by `exit!` (Kernel#exit!, Kernel.exit! and
# Process.exit! are prepended with a flush, since exit! skips at_exit; a bare `exit!` needs Ruby
# 3.0+, where prepending to Kernel reaches Object).  `exec`, SIGKILL and a crash of the VM lose
# what is buffered.  Fork-safe: a forked child gets new ids, and writes neither what its parent
# had buffered nor the spans it inherited mid-call (Process._fork on Ruby 3.1+, a pid check at
# every span start before that).
# Nothing raised by this file's bookkeeping reaches user code (StandardError is swallowed; a
# failing sink drops records).  Several copies of this file in one process: the first one loaded
# is used, the others return at once.
#
# Parent links: the current span is fiber-local (Thread#[]), so every thread and every fiber
# (an Enumerator's external iteration, a fiber scheduler's tasks) starts with no parent: a
# suspended fiber never becomes the parent of whoever resumed its caller.
#
# ---------------------------------------------------------------------------------------
# INJECTED SHAPES: the engine (or the LLM) emits exactly these; strip removes them by text.
#   {NAME}  double-quoted string literal: the span name, "Shop::Cart#total" for an instance
#           method, "Shop::Cart.build" for a singleton method (code.function is the part after
#           the first "#" or "." that follows the last "::", code.namespace the part before it).
#           It must not interpolate: no `#{`, `#@` or `#$` in it.
#   {FILE}  double-quoted string literal, the same rules: the repo-relative path, "/" separators
#   {LINE}  decimal: line of the `def` in the instrumented file
#   {I}     the body's indentation; in a method with method-level rescue/else/ensure clauses,
#           the `def`'s indentation (ruby -w: "mismatched indentations at 'end' with 'else'"
#           when the block's `end` and an `else` clause are not aligned)
#   {NL}    the file's newline
# Each instrumented file requires the runtime once, after its leading comments (magic comments
# stay first) and leading require lines; the path is relative to the file, without ".rb":
#   require_relative "{PATH}"{NL}             e.g. require_relative "../telemetry_inject"
# The body goes into a block, two whole lines: OPEN after the line ending the `def` header,
# CLOSE before the method's own `end`.  Every original line stays byte-identical.
#   OPEN  {I}TelemetryInject.span({NAME}, {FILE}, {LINE}) do{NL}
#   CLOSE {I}end{NL}
#     def total(items)                        def total(items)
#       return 0 if items.empty?                TelemetryInject.span("Cart#total", "lib/cart.rb", 3) do
#       items.sum(&:price)               ->     return 0 if items.empty?
#     end                                       items.sum(&:price)
#                                               end
#                                             end
#     def fetch(id)                           def fetch(id)
#       @store.fetch(id)                      TelemetryInject.span("Repo#fetch", "lib/repo.rb", 9) do
#     rescue KeyError                    ->     @store.fetch(id)
#       nil                                   rescue KeyError
#     end                                       nil
#                                             end
#                                             end
# A lazy attribute of the current span (the block runs only when the span is recorded; what
# it raises is swallowed), a line of its own inside the body:
#   {I}TelemetryInject.attr({KEY}) { {EXPR} }{NL}
#
# What the block keeps (checked by the tests with real ruby): `return` (with its value)
# returns from the method; the method's value is the block's value; `yield`, `block_given?`
# and implicit-argument `super` see the method's own block and current arguments; `__method__`;
# method-level rescue/else/ensure/retry become the block's own clauses (do...end blocks take
# them since Ruby 2.6), so an exception the method rescues never marks the span; a caller's
# block that does `break`, and throw/catch, leave through the span, status OK.
# The engine must leave a method alone when:
#  - it is an endless method (`def x = 1`) or a one-line method (`def x; 1; end`), or its body
#    starts on the `def` line or ends on the `end` line: there are no whole lines to wrap;
#  - its body uses an identifier starting with `_tel` or refers to `TelemetryInject` itself;
#  - it calls caller, caller_locations or binding-walking helpers that count frames (loggers,
#    deprecation helpers): the block adds two frames ("block in x", "TelemetryInject.span").
# Visible differences that remain: backtraces gain those two frames; `local_variables` inside
# the body is unchanged, but the body's locals belong to the block (invisible from outside).
# SystemExit and SignalException (Interrupt) leave a span with status OK, like Python's
# SystemExit and KeyboardInterrupt; every other exception sets status ERROR and is re-raised
# as the very same object, backtrace and cause untouched.
# ---------------------------------------------------------------------------------------

return if defined?(::TelemetryInject::RECORDER)

module TelemetryInject
  MAX_LEN = 256
  FLUSH_AT = 1024
  FLUSH_AFTER_NS = 1_000_000_000
  SENSITIVE = /password|passwd|secret|token|key|auth|cookie|session|credential|private/i.freeze

  # One live or finished span; `span_id` nil marks a sampled-out root (records nothing).
  # `pid` is the process that started it: a forked child does not record the spans it inherited.
  Span = Struct.new(:name, :filepath, :lineno, :trace_id, :span_id, :parent_id, :context, :previous, :t0,
                    :pid, :duration, :error, :attrs, :thread)

  # Per fiber: the current span, the thread's name and a pool of random ids.
  class Context
    ZERO = "0000000000000000"
    attr_accessor :current
    attr_reader :thread

    def initialize
      @current = nil
      @pool = ""
      @position = 0
      @generation = -1
      thread = Thread.current
      @thread = thread.name || (thread.equal?(Thread.main) ? "main" : "thread-#{thread.object_id}")
    end

    # `digits` random hex digits from `random` (the recorder's generator, reseeded in a forked
    # child, where `generation` changes: the child never goes on with its parent's pool).
    def new_id(digits, generation, random)
      if @position + digits > @pool.bytesize || @generation != generation
        pool = random.bytes(1024).unpack1("H*")
        pool = random.bytes(1024).unpack1("H*") while pool.include?(ZERO) # never an all-zero id
        @pool = pool
        @position = 0
        @generation = generation
      end
      id = @pool[@position, digits]
      @position += digits
      id
    end
  end

  # The recording side: sampling, the buffer and the sink.
  class Recorder
    KEY = :__telemetry_inject_context__
    UNSAMPLED = Object.new.freeze # the current "span" inside a sampled-out trace
    ESCAPES = Hash.new { |_, c| format("\\u%04x", c.ord) }.merge(
      '"' => '\\"', "\\" => "\\\\", "\n" => "\\n", "\r" => "\\r", "\t" => "\\t",
      "\b" => "\\b", "\f" => "\\f"
    ).freeze

    def initialize(sink, sample, service)
      @generation = 0 # bumped in a forked child
      @random = Random.new # seeded from the system's entropy; ids never depend on srand
      @pid = $$
      @sink = sink
      @sample = sample
      @service = service
      @queue = Thread::Queue.new
      @lock = Mutex.new
      @heads = {}
      @offset = 0
      @written_at = 0
      @tails = {}
      clock
    end

    def start(name, filepath, lineno)
      context = (Thread.current[KEY] ||= Context.new)
      parent = context.current
      forked if !FORK_HOOK && $$ != @pid
      if parent.nil?
        if @sample < 1.0 && !(rand < @sample)
          context.current = UNSAMPLED
          return Span.new(name, filepath, lineno, nil, nil, nil, context, nil)
        end
        span = Span.new(name, filepath, lineno, context.new_id(32, @generation, @random),
                        context.new_id(16, @generation, @random), nil, context, nil,
                        Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond), @pid)
        return context.current = span
      end
      return nil if parent.equal?(UNSAMPLED)

      context.current = Span.new(name, filepath, lineno, parent.trace_id, context.new_id(16, @generation, @random),
                                 parent.span_id, context, parent,
                                 Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond), @pid)
    rescue StandardError
      nil
    end

    # In a forked child: new ids, its own pid, and none of its parent's buffered records.
    def forked
      @random = Random.new
      @generation += 1
      @pid = $$
    rescue StandardError
      nil
    end

    def record_error(span, error)
      return if span.error || error.is_a?(SystemExit) || error.is_a?(SignalException)

      type = begin
        error.class.name || error.class.inspect
      rescue StandardError
        "Exception"
      end
      message = begin
        error.message.to_s
      rescue StandardError
        "<unprintable #{type}>"
      end
      span.error = [TelemetryInject.truncate(TelemetryInject.utf8(type)),
                    TelemetryInject.truncate(TelemetryInject.utf8(message))]
    rescue StandardError
      nil
    end

    def finish(span)
      t1 = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
      context = span.context
      context.current = span.previous
      return if span.span_id.nil? || span.pid != @pid # sampled out, or started before a fork

      span.thread = context.thread
      span.context = span.previous = nil
      span.duration = t1 - span.t0
      @queue.push(span)
      flush if @queue.size >= FLUSH_AT || t1 - @written_at >= FLUSH_AFTER_NS
    rescue StandardError
      nil
    end

    # The current span if it is being recorded, else nil.
    def recording
      span = Thread.current[KEY]&.current
      span.instance_of?(Span) && span.duration.nil? ? span : nil
    end

    def attr(span, name, value)
      key = TelemetryInject.utf8(name.to_s)
      (span.attrs ||= {})[key] = clean(key, value)
    end

    def flush
      @lock.synchronize do
        records = []
        records << @queue.pop(true) until @queue.empty?
        clock
        pid = $$
        records.select! { |r| r.pid == pid } # a forked child drops what its parent buffered
        lines = records.map { |r| format_record(r) }.compact
        write(lines.join) unless lines.empty?
      end
    rescue StandardError
      nil # a failing sink, or a flush from a trap handler: records are dropped or kept
    end

    private

    def clock
      mono = Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)
      @offset = Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond) - mono
      @written_at = mono
    end

    def write(text)
      if @sink == "stderr"
        $stderr.write(text)
        $stderr.flush
      else
        File.open(@sink, File::WRONLY | File::APPEND | File::CREAT | File::BINARY, 0o644) { |f| f.write(text) }
      end
    end

    def clean(key, value)
      return "[REDACTED]" if SENSITIVE.match?(key)

      case value
      when true, false, Integer then value
      when Float then value.finite? ? value : value.to_s
      when String then TelemetryInject.truncate(TelemetryInject.utf8(value))
      else TelemetryInject.truncate(TelemetryInject.utf8(value.inspect.to_s))
      end
    end

    def json(text)
      "\"#{text.gsub(/["\\\x00-\x1f]/, ESCAPES)}\""
    end

    def head(span)
      entry = @heads[span.name]
      return entry[2] if entry && entry[0] == span.filepath && entry[1] == span.lineno

      key = [span.name, span.filepath, span.lineno]
      entry = @heads[key] ||= begin
        name = TelemetryInject.utf8(span.name.to_s)
        function, namespace = TelemetryInject.split_name(name)
        lineno = span.lineno.is_a?(Integer) ? span.lineno : 0
        [span.filepath, span.lineno,
         "{\"name\":#{json(name)},\"code.filepath\":#{json(TelemetryInject.utf8(span.filepath.to_s))}," \
         "\"code.lineno\":#{lineno},\"code.function\":#{json(function)}," \
         "\"code.namespace\":#{json(namespace)},\"trace_id\":\""]
      end
      @heads[span.name] ||= entry
      entry[2]
    end

    # The record from "status" on; for spans without error or attributes, one per thread.
    def tail(span)
      plain = span.error.nil? && span.attrs.nil?
      if plain
        cached = @tails[span.thread]
        return cached[1] if cached && cached[0] == span.pid
      end
      status = if span.error
                 "\"ERROR\",\"error.type\":#{json(span.error[0])},\"error.message\":#{json(span.error[1])}"
               else
                 "\"OK\",\"error.type\":null,\"error.message\":null"
               end
      attrs = span.attrs ? @service.merge(span.attrs) : @service
      text = ",\"status\":#{status},\"thread\":#{json(TelemetryInject.utf8(span.thread))}," \
             "\"pid\":#{span.pid},\"attributes\":{#{attrs.map { |k, v| "#{json(k)}:#{value(v)}" }.join(',')}}}\n"
      @tails[span.thread] = [span.pid, text].freeze if plain
      text
    end

    def value(value)
      case value
      when true, false, Integer, Float then value.to_s
      else json(value)
      end
    end

    def format_record(span)
      parent = span.parent_id.nil? ? "null" : "\"#{span.parent_id}\""
      "#{head(span)}#{span.trace_id}\",\"span_id\":\"#{span.span_id}\",\"parent_span_id\":#{parent}," \
        "\"start_ns\":#{span.t0 + @offset},\"duration_ns\":#{span.duration}#{tail(span)}"
    rescue StandardError
      nil # this record only
    end
  end

  class << self
    # Text as valid UTF-8 (binary strings read as UTF-8, invalid bytes replaced).
    def utf8(text)
      text = text.to_s
      return text if text.encoding == Encoding::UTF_8 && text.valid_encoding?
      if text.encoding == Encoding::UTF_8 || text.encoding == Encoding::BINARY || text.encoding == Encoding::US_ASCII
        return text.dup.force_encoding(Encoding::UTF_8).scrub("\uFFFD")
      end

      text.encode(Encoding::UTF_8, invalid: :replace, undef: :replace, replace: "\uFFFD")
    rescue StandardError
      text.to_s.b.force_encoding(Encoding::UTF_8).scrub("\uFFFD")
    end

    def truncate(text)
      text.length <= MAX_LEN ? text : "#{text[0, MAX_LEN - 1]}\u2026"
    end

    # ("total", "Shop::Cart") for "Shop::Cart#total"; ("build", "Shop::Cart") for "Shop::Cart.build".
    def split_name(name)
      scope = name.rindex("::")
      scope = scope.nil? ? 0 : scope + 2
      cut = name.index(/[#.]/, scope)
      cut.nil? ? [name, ""] : [name[(cut + 1)..], name[0, cut]]
    end

    def read_config(env)
      mode = env.fetch("TELEMETRY_INJECT", "").strip.downcase
      return nil if %w[off 0 false no].include?(mode)

      out = env.fetch("TELEMETRY_INJECT_OUT", "").strip
      out = "stderr" if out.empty? && %w[on 1 true yes].include?(mode)
      return nil if out.empty?

      sink = out == "stderr" ? out : File.expand_path(out)
      Recorder.new(sink, sample_rate(env.fetch("TELEMETRY_INJECT_SAMPLE", "")), service(env))
    rescue StandardError
      nil
    end

    def sample_rate(text)
      rate = Float(text.strip)
      rate.nan? ? 1.0 : rate.clamp(0.0, 1.0)
    rescue StandardError
      1.0
    end

    def service(env)
      from_resource = {}
      env.fetch("OTEL_RESOURCE_ATTRIBUTES", "").split(",").each do |item|
        key, sep, value = item.partition("=")
        key = key.strip
        next if sep.empty? || !%w[service.name service.version].include?(key)

        from_resource[key] = utf8(value.strip.gsub(/%\h\h/) { |hex| hex[1, 2].hex.chr }.force_encoding(Encoding::UTF_8))
      end
      name = env.fetch("OTEL_SERVICE_NAME", "").strip
      attrs = { "service.name" => utf8(name.empty? ? from_resource.fetch("service.name", "unknown_service") : name) }
      version = env.fetch("OTEL_SERVICE_VERSION", "").strip
      version = from_resource["service.version"] if version.empty?
      attrs["service.version"] = utf8(version) unless version.nil? || version.empty?
      attrs.freeze
    end
  end

  RECORDER = read_config(ENV)

  if RECORDER.nil?
    # Yield to the block: the span of a method when telemetry is off.
    def self.span(_name, _filepath, _lineno)
      yield
    end

    # Set attribute `name` of the current span to the block's value (never called when off).
    def self.attr(_name); end

    # Write buffered span records now (also done at exit).
    def self.flush; end
  else
    # Run the block (a method's body) in a span named `name`; returns what the block returns.
    def self.span(name, filepath, lineno)
      span = RECORDER.start(name, filepath, lineno)
      return yield if span.nil?

      begin
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException -- recorded, then re-raised as is
        RECORDER.record_error(span, e)
        raise
      ensure
        RECORDER.finish(span)
      end
    end

    # Set attribute `name` of the current span to the block's value, evaluated only when the
    # span is recorded; sensitive-looking names are redacted, long values truncated, and
    # whatever the block raises is swallowed (NotImplementedError too: an abstract reader is no
    # StandardError; only exits and signals go on).
    def self.attr(name)
      span = RECORDER.recording
      RECORDER.attr(span, name, yield) unless span.nil?
      nil
    rescue StandardError, ScriptError
      nil
    end

    # Write buffered span records now (also done at exit).
    def self.flush
      RECORDER.flush
      nil
    end

    # exit! skips at_exit; write what is buffered first.
    module FlushBeforeExitBang
      private

      def exit!(*args)
        TelemetryInject.flush
        super
      end
    end

    # The singleton-method flavour (Process.exit!, Kernel.exit!): public.
    module FlushBeforeExitBangPublic
      def exit!(*args)
        TelemetryInject.flush
        super
      end
    end

    begin
      Kernel.prepend(FlushBeforeExitBang)
      Kernel.singleton_class.prepend(FlushBeforeExitBangPublic)
      Process.singleton_class.prepend(FlushBeforeExitBangPublic)
    rescue StandardError
      nil
    end
    # Ruby 3.1+: every fork (Kernel#fork, Process.fork, IO.popen("-")) goes through
    # Process._fork; older Rubies compare the pid at every span start instead.
    module ForkHook
      def _fork
        pid = super
        TelemetryInject::RECORDER.forked if pid.zero?
        pid
      end
    end

    FORK_HOOK = begin
      Process.respond_to?(:_fork) && !Process.singleton_class.prepend(ForkHook).nil?
    rescue StandardError
      false
    end
    at_exit { TelemetryInject.flush }
  end
end
