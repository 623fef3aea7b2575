// RUN: moe-opt %s -split-input-file -moe-dispatch-token-buckets -verify-diagnostics -o /dev/null

func.func private @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @f__t1(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 1, max = 1, expected = 1}} {
  return %x : tensor<?x4xf32>
}
// expected-error @below {{'func.func' op has the type '(tensor<?x8xf32>) -> tensor<?x8xf32>'; expected every bucket of @f to have the type of @f__t1, '(tensor<?x4xf32>) -> tensor<?x4xf32>'}}
func.func private @f__t2_up(%x: tensor<?x8xf32> {moe.tokens}) -> tensor<?x8xf32>
    attributes {moe.token_bucket = {of = @f, min = 2, expected = 4096}} {
  return %x : tensor<?x8xf32>
}

// -----

func.func private @g(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
// expected-error @below {{'func.func' op has no argument marked 'moe.tokens'; expected the argument whose dim 0 is T}}
func.func private @g__t1_up(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @g, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @below {{'func.func' op is a token bucket of @missing; expected a func.func of that name}}
func.func private @h__t1_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @missing, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}

// -----

// Only the last bucket may be unbounded.
func.func private @u(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @u__t1_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @u, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
// expected-error @below {{'func.func' op has token bucket min = 5; expected the buckets of @u to follow each other, this one at none (@u__t1_up has no max)}}
func.func private @u__t5_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @u, min = 5, expected = 4096}} {
  return %x : tensor<?x4xf32>
}

// -----

// Overlapping ranges.
func.func private @o(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @o__t1_8(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @o, min = 1, max = 8, expected = 8}} {
  return %x : tensor<?x4xf32>
}
// expected-error @below {{'func.func' op has token bucket min = 5; expected the buckets of @o to follow each other, this one at 9}}
func.func private @o__t5_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @o, min = 5, expected = 4096}} {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @below {{'func.func' op is a token bucket of itself; expected another function}}
func.func private @self(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @self, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}

// -----

// A called dispatcher keeps its signature.
func.func @caller(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = func.call @c(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
// expected-error @below {{'func.func' op is called, and its token buckets have the type '(tensor<?x4xf32>, index) -> tensor<?x4xf32>'; expected them to keep its type '(tensor<?x4xf32>) -> tensor<?x4xf32>' (prune a function that has callers by hand)}}
func.func private @c(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @c__t1_up(%x: tensor<?x4xf32> {moe.tokens}, %r: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @c, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
