func.func @combine_local_routes(%routes: tensor<?x2048xbf16>, %scale: tensor<?x8xf32>,
                                %ids: tensor<?x8xi32>, %begin: index)
    -> (tensor<?x2048xbf16>, tensor<?x2048xbf16>) {
  %y = moe.combine %routes, %scale ids %ids experts 128 : tensor<?x2048xbf16>, tensor<?x8xf32>, tensor<?x8xi32> -> tensor<?x2048xbf16>
  %z = moe.combine %routes, %scale ids %ids experts 32 range %begin : tensor<?x2048xbf16>, tensor<?x8xf32>, tensor<?x8xi32> -> tensor<?x2048xbf16>
  return %y, %z : tensor<?x2048xbf16>, tensor<?x2048xbf16>
}
