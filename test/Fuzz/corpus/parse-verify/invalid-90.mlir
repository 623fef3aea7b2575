func.func @tile_block_m() attributes {tile = #moe.tile<block_m = 8, block_n = 64>} {
  return
}
