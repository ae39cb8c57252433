; Enrichment statements written by the LLM path: `_tel.attr("name", lambda: value)`.
((expression_statement
   (call
     function: (attribute
       object: (identifier) @_object
       attribute: (identifier) @_method))) @telemetry_attr
 (#eq? @_object "_tel")
 (#eq? @_method "attr"))
