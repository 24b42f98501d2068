"""The demo county 示范县: a fictional county modelled on the seed speech (`kaoping loaddemo`)."""
