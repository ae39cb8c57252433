; Go function units: top-level functions and methods with a body.
; Function literals are not units; functions without a body (assembly) have no block.
(function_declaration
  name: (identifier) @name
  body: (block) @body) @function

(method_declaration
  receiver: (parameter_list) @receiver
  name: (field_identifier) @name
  body: (block) @body) @function
