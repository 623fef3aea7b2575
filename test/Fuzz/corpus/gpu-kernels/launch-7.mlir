func.func @combine(%r: tensor<?x32xbf16>, %s: tensor<?x4xf32>) -> tensor<?x32xbf16> {
  %y = moe.combine %r, %s : tensor<?x32xbf16>, tensor<?x4xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
