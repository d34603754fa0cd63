"""gdviz: gradient descent on 2-D loss landscapes, step by step."""
