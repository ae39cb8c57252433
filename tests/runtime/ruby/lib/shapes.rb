# frozen_string_literal: true

# Every kind of Ruby method body the block shape wraps, each instrumented by hand.
require "set"
require_relative "../telemetry_inject"

module Shop
  class Base
    attr_reader :log

    def initialize(label)
      TelemetryInject.span("Shop::Base#initialize", "lib/shapes.rb", 11) do
      @label = label
      @log = []
      end
    end

    def greet(name, greeting = "hi", *rest, punct: "!", &blk)
      TelemetryInject.span("Shop::Base#greet", "lib/shapes.rb", 18) do
      extra = blk ? blk.call(name) : "-"
      "#{greeting} #{name}#{punct} #{rest.inspect} #{extra}"
      end
    end

    def method_missing(name, *args)
      TelemetryInject.span("Shop::Base#method_missing", "lib/shapes.rb", 25) do
      return "missing:#{name}:#{args.inspect}" if name.to_s.start_with?("dyn_")

      super
      end
    end

    def respond_to_missing?(name, include_private = false)
      TelemetryInject.span("Shop::Base#respond_to_missing?", "lib/shapes.rb", 33) do
      name.to_s.start_with?("dyn_") || super
      end
    end
  end

  class Cart < Base
    include Enumerable

    def initialize(label, items = [])
      TelemetryInject.span("Shop::Cart#initialize", "lib/shapes.rb", 43) do
      super(label)
      @items = items
      end
    end

    # Implicit-argument super passes the current values of the parameters, and the block.
    def greet(name, greeting = "hello", *rest, punct: "?", &blk)
      TelemetryInject.span("Shop::Cart#greet", "lib/shapes.rb", 51) do
      name = name.upcase
      super
      end
    end

    def each
      TelemetryInject.span("Shop::Cart#each", "lib/shapes.rb", 58) do
      return to_enum(:each) unless block_given?

      @items.each { |item| yield item }
      self
      end
    end

    def first_over(limit)
      TelemetryInject.span("Shop::Cart#first_over", "lib/shapes.rb", 67) do
      @items.each do |item|
        return item if item > limit
      end
      :none
      end
    end

    def pair
      TelemetryInject.span("Shop::Cart#pair", "lib/shapes.rb", 76) do
      return @items.first, @items.last
      end
    end

    def total(
      tax: 0,
      discount: 0
    )
      TelemetryInject.span("Shop::Cart#total", "lib/shapes.rb", 82) do
      sum + tax - discount
      end
    end

    def [](index)
      TelemetryInject.span("Shop::Cart#[]", "lib/shapes.rb", 91) do
      @items[index]
      end
    end

    def label=(value)
      TelemetryInject.span("Shop::Cart#label=", "lib/shapes.rb", 97) do
      @label = value
      end
    end

    def ==(other)
      TelemetryInject.span("Shop::Cart#==", "lib/shapes.rb", 103) do
      other.is_a?(Cart) && other.to_a == to_a
      end
    end

    def who
      TelemetryInject.span("Shop::Cart#who", "lib/shapes.rb", 109) do
      [__method__, self.class.name, block_given?]
      end
    end

    def parse(text)
    TelemetryInject.span("Shop::Cart#parse", "lib/shapes.rb", 115) do
      tries = (tries || 0) + 1
      raise ArgumentError, "try #{tries}" if text == "retry" && tries < 3
      Integer(text)
    rescue ArgumentError => e
      retry if text == "retry" && tries < 3
      log << e.message
      -1
    else
      log << "parsed"
      :else_value
    ensure
      log << "ensure"
    end
    end

    def cleanup(value)
    TelemetryInject.span("Shop::Cart#cleanup", "lib/shapes.rb", 132) do
      raise KeyError, "boom" if value.nil?

      value * 2
    ensure
      log << "cleaned"
    end
    end

    def jump(tag)
      TelemetryInject.span("Shop::Cart#jump", "lib/shapes.rb", 142) do
      throw tag, :thrown
      end
    end

    def leave(code)
      TelemetryInject.span("Shop::Cart#leave", "lib/shapes.rb", 148) do
      exit code
      end
    end

    private def secret
      TelemetryInject.span("Shop::Cart#secret", "lib/shapes.rb", 154) do
      :private_value
      end
    end

    def call_secret
      TelemetryInject.span("Shop::Cart#call_secret", "lib/shapes.rb", 160) do
      secret
      end
    end

    def self.build(*items)
      TelemetryInject.span("Shop::Cart.build", "lib/shapes.rb", 166) do
      new("built", items)
      end
    end

    class << self
      def registry
        TelemetryInject.span("Shop::Cart.registry", "lib/shapes.rb", 173) do
        @registry ||= Set.new
        end
      end
    end

    # Not instrumented: endless and one-line methods have no body lines to wrap.
    def size = @items.size
    def empty?; @items.empty?; end
  end
end
