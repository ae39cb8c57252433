; Function units: every `def` / `async def`, at any depth.
(function_definition) @function

; `yield` marks the nearest enclosing function as a generator.
(yield) @yield
