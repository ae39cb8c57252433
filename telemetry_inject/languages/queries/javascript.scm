; JavaScript function units: every function-like node. Which shape each one takes
; (two lines around a block body, or an in-line wrapper around an arrow's body) and
; when one is skipped is decided in js_units.py from the node's `body` field.
[
  (function_declaration)
  (generator_function_declaration)
  (function_expression)
  (generator_function)
  (arrow_function)
  (method_definition)
] @function
