; Function units: every `def` / `async def`, at any depth.
(function_definition) @function

; Classes only name the scopes for qualified names.
(class_definition) @class

; `yield` marks the nearest enclosing function as a generator.
(yield) @yield
