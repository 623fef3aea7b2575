func.func @tokens_type(%n: index {moe.tokens}) {
  return
}
