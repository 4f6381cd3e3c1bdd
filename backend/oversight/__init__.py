"""Oversight of the law's terms: reports past their consideration or redirect term, for prosecutors and heads."""
