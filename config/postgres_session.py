"""The settings of every PostgreSQL session the product opens (config/settings.py adds them to the connection
options). No Django import: the benchmark's bare floor opens its connections with the same settings.
"""

# JIT compilation pays off for long analytical scans only: here it added 2.5-4 s of compiling to every
# backfill batch (their plans cross jit_above_cost) while the queries themselves ran in under 1 s.
#
# Generic plans for prepared statements: only the hot statements are prepared (selectors/rows.py
# prepared_cursor: the record statements and the hot reads), walks over the log's 16 partitions and batches keyed
# by ids, whose plan does not depend on the values. In the automatic mode PostgreSQL kept making a custom plan
# per call for them (1.2 ms a call for a player's first and last visible event, 0.18 ms with the generic plan).
SESSION_OPTIONS = "-c jit=off -c plan_cache_mode=force_generic_plan"
