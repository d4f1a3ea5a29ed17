"""The hospital's project platform (ZenTao, 禅道): reading its exports, importing them as records,
handing back what was done."""
