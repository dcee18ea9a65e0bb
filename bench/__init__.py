"""The benchmark suite (``make bench``): the design's "Numbers to reach", measured on the local stack.

Figures that depend on DynamoDB's accounting (round trips, capacity, items read) come from DynamoDB
Local through the layer's own client; timings come from this machine and say so.
"""
