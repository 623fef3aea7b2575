func.func @tile_block_n() attributes {tile = #moe.tile<block_m = 16, block_n = 48>} {
  return
}
