# Money on statements is grouped by thousands in Chinese finance documents too (¥120,000.00); Django's zh_Hans
# formats define no grouping. Only used where grouping is asked for (force_grouping); the rest is Django's.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
