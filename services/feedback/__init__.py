"""Citizens' and businesses' feedback and petitions (phản ánh, kiến nghị)."""
