func.func @check_size(%found: index, %expected: index) {
  moe.check_size %found, %expected for "moe.experts" "dim 0 of 'ids' must equal dim 0 of 'x' (T)"
  return
}
