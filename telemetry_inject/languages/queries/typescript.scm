; TypeScript (and TSX) function units: the JavaScript ones. Overload signatures
; (function_signature, method_signature), `declare` (ambient_declaration) and abstract
; members (abstract_method_signature) are other node types without a body, so they
; are never units; neither are function types in type positions.
[
  (function_declaration)
  (generator_function_declaration)
  (function_expression)
  (generator_function)
  (arrow_function)
  (method_definition)
] @function
