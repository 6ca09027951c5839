"""What a simulation gives back: result objects and the statistics read from them."""
