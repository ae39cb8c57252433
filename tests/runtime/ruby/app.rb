# frozen_string_literal: true

# Instrumented by hand in the documented shape (the top level is not: the spans it starts are
# roots).  `ruby app.rb MODE` prints what it saw, one value per line.
require_relative "./telemetry_inject"
require_relative "lib/shapes"

$evaluated = 0
$thrown = nil

def shapes
  TelemetryInject.span("Object#shapes", "app.rb", 11) do
  cart = Shop::Cart.build(3, 9, 4)
  seen = []
  seen << cart.greet("ann", "hey", 1, 2) { |n| "blk:#{n}" }
  seen << cart.greet("bob")
  seen << cart.dyn_ping(1)
  seen << cart.respond_to?(:dyn_x)
  seen << begin
    cart.nope
  rescue NoMethodError => e
    e.name
  end
  seen << cart.map { |i| i * 2 }
  seen << cart.each.next # an Enumerator: each runs in its own fiber
  seen << cart.first_over(5) << cart.first_over(50)
  seen << cart.pair
  seen << cart.total(tax: 2, discount: 1)
  seen << cart[1]
  seen << (cart.label = "renamed")
  seen << (cart == Shop::Cart.build(3, 9, 4))
  seen << cart.who << cart.who { nil }
  seen << cart.parse("12") << cart.parse("x") << cart.parse("retry")
  seen << begin
    cart.cleanup(nil)
  rescue KeyError => e
    e.message
  end
  seen << cart.cleanup(21)
  seen << catch(:tag) { cart.jump(:tag) }
  seen << cart.each { |i| break i * 100 if i == 9 }
  seen << cart.call_secret
  seen << Shop::Cart.registry.class.name
  seen << cart.size << cart.empty?
  seen << cart.log
  seen
  end
end

class AppError < StandardError
  def initialize(message, code)
    TelemetryInject.span("AppError#initialize", "app.rb", 51) do
    super(message)
    @code = code
    end
  end
end

def fails(depth)
  TelemetryInject.span("Object#fails", "app.rb", 59) do
  if depth.zero?
    begin
      raise KeyError, "inner"
    rescue KeyError
      $thrown = AppError.new("bad input", 7)
      raise $thrown
    end
  end
  fails(depth - 1)
  end
end

def errors
  TelemetryInject.span("Object#errors", "app.rb", 73) do
  seen = []
  begin
    fails(2)
  rescue AppError => e
    seen << e.equal?($thrown) << e.message << e.cause.class.name
    top = e.backtrace_locations.first # the backtrace still starts where the error was raised
    seen << File.readlines(top.path)[top.lineno - 1].strip
  end
  begin
    Shop::Cart.build.leave(0)
  rescue SystemExit => e
    seen << "exit #{e.status}"
  end
  seen
  end
end

def attributes
  TelemetryInject.span("Object#attributes", "app.rb", 92) do
  TelemetryInject.attr("user.id") { 42 }
  TelemetryInject.attr("cart.total") { 9.5 }
  TelemetryInject.attr("flag") { true }
  TelemetryInject.attr("big") { 10**30 }
  TelemetryInject.attr("nan") { Float::NAN }
  TelemetryInject.attr("nothing") { nil }
  TelemetryInject.attr("sym") { :ready }
  TelemetryInject.attr("list") { [1, "a", nil] }
  TelemetryInject.attr("db.password") { "hunter2" }
  TelemetryInject.attr("X-Api-KEY") { "k" }
  TelemetryInject.attr("Session_Cookie") { "c" }
  TelemetryInject.attr("auth_header") { "Bearer x" }
  TelemetryInject.attr("body") { "x" * 300 }
  TelemetryInject.attr("emoji") { "\u{1F600}" * 300 }
  TelemetryInject.attr("quote") { "say \"hi\"\n\t\u0001" }
  TelemetryInject.attr("binary") { "caf\xC3\xA9 \xFF".b }
  TelemetryInject.attr("broken") { raise NotImplementedError, "an abstract reader" }
  TelemetryInject.attr("unprintable") { BasicObject.new }
  TelemetryInject.attr("lazy") { $evaluated += 1 }
  "ok"
  end
end

def leaf(i)
  TelemetryInject.span("Object#leaf", "app.rb", 117) do
  TelemetryInject.attr("i") { ($evaluated += 1) && i }
  i
  end
end

def many(count)
  TelemetryInject.span("Object#many", "app.rb", 124) do
  (0...count).sum { |i| leaf(i) }
  end
end

def work(id, count)
  TelemetryInject.span("Object#work", "app.rb", 130) do
  TelemetryInject.attr("worker") { id }
  (0...count).sum { |i| leaf(i) }
  end
end

def root(i)
  TelemetryInject.span("Object#root", "app.rb", 137) do
  leaf(i) + leaf(1)
  end
end

def finished
  TelemetryInject.span("Object#finished", "app.rb", 143) do
  puts "finished"
  end
end

def spawn_child(how)
  TelemetryInject.span("Object#spawn_child", "app.rb", 149) do
  pid = fork
  if pid.nil?
    leaf(2)
    how == "exit!" ? exit!(0) : exit(0) # exit unwinds through this span: the child must not record it
  end
  Process.wait(pid)
  $?.exitstatus
  end
end

def dies(how)
  TelemetryInject.span("Object#dies", "app.rb", 161) do
  case how
  when "exit" then exit 3
  when "exit!" then exit! 4
  when "process_exit!" then Process.exit!(5)
  else raise ArgumentError, "fatal: crash"
  end
  end
end

case ARGV[0]
when "shapes" then shapes.each { |value| p value }
when "errors" then errors.each { |value| p value }
when "attributes" then puts "#{attributes} evaluated=#{$evaluated}"
when "off", "many"
  before = Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond)
  sum = many(Integer(ARGV[1]))
  puts "#{sum} #{before} #{Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond)} evaluated=#{$evaluated}"
when "threads"
  threads = (0...Integer(ARGV[1])).map do |t|
    Thread.new { work(t, Integer(ARGV[2])) }.tap { |thread| thread.name = "worker-#{t}" }
  end
  puts "total=#{threads.sum(&:value)}"
when "sampling" then puts "sum=#{(0...400).sum { |i| root(i) }}"
when "fork"
  leaf(1) # still buffered in the parent at fork time
  status = spawn_child(ARGV[1])
  leaf(3)
  puts "child #{status}"
when "exit", "exit!", "process_exit!", "crash"
  finished
  dies(ARGV[0])
else raise ArgumentError, ARGV[0].inspect
end
