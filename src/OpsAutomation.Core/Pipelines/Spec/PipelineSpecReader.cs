using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines.Sinks;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Pipelines.Transforms;
using OpsAutomation.Core.Pipelines.Validation;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Models.Resilience;

namespace OpsAutomation.Core.Pipelines.Spec;

/// <summary>
/// Reads a pipeline spec (psd1, JSON or YAML, as a configuration tree) into a plan. A spec is one
/// step written at the top level, or several under Steps with DependsOn between them. Every
/// error names the spec and the key path: <c>orders.psd1: Steps[1].Sink.Type: unknown sink type 'Excel'; ...</c>.
/// Relative paths are relative to the spec file's folder.
/// </summary>
public static class PipelineSpecReader
{
    private static readonly string[] TopKeys = ["Name", "Steps", "Alerting", "Lineage", "DeadLetters", .. StepKeys()];
    private static readonly string[] SourceTypes = ["Csv", "JsonLines", "Json", "Sqlite", "Postgres", "Pipeline"];
    private static readonly string[] SinkTypes = ["Sqlite", "Postgres", "Csv", "JsonLines"];
    private static readonly string[] TransformKinds = ["Rename", "Drop", "Default", "Cast", "Derive", "Filter"];

    private static string[] StepKeys() =>
        ["Source", "Validation", "Transforms", "Sink", "DependsOn", "BatchSize", "BatchBytes", "Parallelism", "Retry", "MaxRejectionRate"];

    /// <param name="tree">The spec's root map.</param>
    /// <param name="origin">The spec file (or "parameters"), for errors.</param>
    /// <param name="baseDirectory">What relative paths in the spec are relative to.</param>
    /// <exception cref="ConfigurationException">Anything wrong with the spec, naming the key path.</exception>
    public static PipelineSpec Read(IReadOnlyDictionary<string, object?> tree, string origin, string baseDirectory, PipelineSpecContext context)
    {
        var root = new ConfigurationMap(tree, origin, "");
        root.RejectUnknownKeys(TopKeys);
        var name = root.GetRequiredString("Name");
        var stepMaps = root.GetMapList("Steps");
        if (stepMaps.Count > 0 && StepKeys().FirstOrDefault(root.Contains) is { } misplaced)
            throw root.Error("belongs in a step when the spec has Steps", misplaced);
        if (stepMaps.Count == 0 && !root.Contains("Source"))
            throw root.Error("is required: a spec has a Source and a Sink, or a list of Steps with one each", "Source");

        var steps = new List<PipelineStepPlan>();
        if (stepMaps.Count == 0)
        {
            steps.Add(ReadStep(root, name, origin, baseDirectory, context));
        }
        else
        {
            foreach (var map in stepMaps)
            {
                map.RejectUnknownKeys(["Name", .. StepKeys()]);
                steps.Add(ReadStep(map, map.GetRequiredString("Name"), origin, baseDirectory, context));
            }
        }
        PipelinePlan plan;
        try
        {
            plan = new PipelinePlan { Name = name, Steps = PipelinePlan.Order(steps) };
        }
        catch (ArgumentException ex)
        {
            throw root.Error(ex.Message.Split(" (Parameter", 2)[0], "Steps");
        }
        return new PipelineSpec
        {
            Plan = plan,
            Origin = origin,
            Alerting = root.GetMap("Alerting") is { } alerting ? ReadAlerting(alerting, baseDirectory, context) : null,
            Lineage = root.GetMap("Lineage") is { } lineage ? ReadLineage(lineage, baseDirectory) : null,
            DeadLetters = root.GetMap("DeadLetters") is { } deadLetters ? ReadDeadLetters(deadLetters, baseDirectory) : null,
        };
    }

    private static PipelineStepPlan ReadStep(ConfigurationMap map, string name, string origin, string baseDirectory, PipelineSpecContext context)
    {
        var source = map.GetMap("Source") ?? throw map.Error("is required", "Source");
        var sink = map.GetMap("Sink") ?? (context.SinkRequired ? throw map.Error("is required", "Sink") : null);
        ValidationSpec? validation = null;
        if (map.GetMap("Validation") is { } validationMap)
            validation = ValidationSpecReader.Read((IReadOnlyDictionary<string, object?>)map.GetValue("Validation")!, origin, validationMap.Path, baseDirectory);
        RecordValidator? validator = null;
        try
        {
            validator = validation?.CreateValidator();
        }
        catch (ArgumentException ex)
        {
            throw map.Error(ex.Message, "Validation");
        }
        var retry = map.GetMap("Retry");
        var retryOptions = new ResilienceOptions
        {
            RetryCount = retry?.GetInt("Count", 0, 100) ?? 5,
            BaseDelay = TimeSpan.FromMilliseconds(retry?.GetInt("BaseDelayMs", 1, 600_000) ?? 200),
            MaxDelay = TimeSpan.FromSeconds(retry?.GetDouble("MaxDelaySec", 0.001, 3600) ?? 30),
        };
        retry?.RejectUnknownKeys(["Count", "BaseDelayMs", "MaxDelaySec"]);
        var columnTypes = validation?.Columns.Where(c => c.Type is not null).ToDictionary(c => c.Name, c => ToSinkType(c.Type!.Value), StringComparer.Ordinal)
            ?? new Dictionary<string, SinkColumnType>(StringComparer.Ordinal);
        return new PipelineStepPlan
        {
            Name = name,
            DependsOn = map.GetStringList("DependsOn"),
            CreateSource = ReadSource(source, baseDirectory, context),
            Validate = validator is null ? null : validator.Validate,
            ValidationRemembers = validator?.RemembersValues ?? false,
            UniqueColumns = validator?.UniqueColumns ?? [],
            FailFast = validation?.Mode == ValidationMode.FailFast,
            Transforms = ReadTransforms(map),
            CreateSink = sink is null ? () => throw new InvalidOperationException($"Step {name} was read to check its records only: it has no sink.") : ReadSink(sink, baseDirectory, context, columnTypes),
            BatchSize = map.GetInt("BatchSize", 1, 1_000_000) ?? PipelineStepPlan.DefaultBatchSize,
            BatchBytes = (map.GetInt("BatchBytes", 1024, int.MaxValue) ?? 4 << 20),
            Parallelism = map.GetInt("Parallelism", 1, 256) ?? PipelineStepPlan.DefaultParallelism,
            Retry = retryOptions,
            MaxRejectionRate = map.GetDouble("MaxRejectionRate", 0, 1),
        };
    }

    private static SinkColumnType ToSinkType(ColumnType type) => type switch
    {
        ColumnType.Integer => SinkColumnType.Integer,
        ColumnType.Number => SinkColumnType.Real,
        ColumnType.Decimal => SinkColumnType.Decimal,
        ColumnType.Boolean => SinkColumnType.Boolean,
        ColumnType.DateTime or ColumnType.Date => SinkColumnType.DateTime,
        _ => SinkColumnType.Text,
    };

    private static Func<IRecordSource> ReadSource(ConfigurationMap source, string baseDirectory, PipelineSpecContext context)
    {
        var type = OneOf(source, "Type", SourceTypes, "source type");
        switch (type)
        {
            case "Csv":
            {
                source.RejectUnknownKeys(["Type", "Path", "Delimiter", "Quote", "Header", "Columns", "Encoding", "EmptyAsNull"]);
                var path = FilePath(source, baseDirectory);
                var options = new CsvSourceOptions
                {
                    Delimiter = Char(source, "Delimiter") ?? ',',
                    Quote = Char(source, "Quote") ?? '"',
                    HasHeader = source.GetBool("Header") ?? true,
                    FieldNames = source.Contains("Columns") ? source.GetStringList("Columns") : null,
                    Encoding = source.GetString("Encoding"),
                    EmptyFieldAsNull = source.GetBool("EmptyAsNull") ?? true,
                };
                return () => new CsvRecordSource(path, options);
            }
            case "JsonLines":
            {
                source.RejectUnknownKeys(["Type", "Path"]);
                var path = FilePath(source, baseDirectory);
                return () => new JsonLinesRecordSource(path);
            }
            case "Json":
            {
                source.RejectUnknownKeys(["Type", "Path"]);
                var path = FilePath(source, baseDirectory);
                return () => new JsonArrayRecordSource(path);
            }
            case "Sqlite":
            {
                source.RejectUnknownKeys(["Type", "Path", "Query", "TimeoutSec"]);
                var path = FilePath(source, baseDirectory);
                var options = SqlOptions(source);
                return () => new SqliteRecordSource(path, options);
            }
            case "Postgres":
            {
                source.RejectUnknownKeys(["Type", "ConnectionString", "Query", "TimeoutSec"]);
                var connection = Secret(source, "ConnectionString", baseDirectory, context);
                var options = SqlOptions(source);
                return () => new PostgresRecordSource(connection, options);
            }
            default:
                source.RejectUnknownKeys(["Type"]);
                return context.PipelineInput ?? throw source.Error("is Pipeline, but no objects were piped into Start-DataPipeline", "Type");
        }
    }

    private static SqlSourceOptions SqlOptions(ConfigurationMap source) => new()
    {
        Query = source.GetRequiredString("Query"),
        CommandTimeout = TimeSpan.FromSeconds(source.GetDouble("TimeoutSec", 0.001, 86_400) ?? 30),
    };

    private static Func<IRecordSink> ReadSink(ConfigurationMap sink, string baseDirectory, PipelineSpecContext context, IReadOnlyDictionary<string, SinkColumnType> columnTypes)
    {
        var type = OneOf(sink, "Type", SinkTypes, "sink type");
        var path = FilePath(sink, baseDirectory);
        switch (type)
        {
            case "Sqlite":
            {
                sink.RejectUnknownKeys(["Type", "Path", "Table", "Key", "Mode"]);
                var options = new SqliteSinkOptions
                {
                    Path = path,
                    Table = sink.GetRequiredString("Table"),
                    Key = sink.GetStringList("Key"),
                    Mode = sink.GetEnum<SinkWriteMode>("Mode", "sink mode") ?? (sink.Contains("Key") ? SinkWriteMode.Upsert : SinkWriteMode.Append),
                    ColumnTypes = columnTypes,
                };
                if (options.Mode == SinkWriteMode.Upsert && options.Key.Count == 0) throw sink.Error("is required for Mode Upsert: name the key columns", "Key");
                return () => new SqliteSink(options);
            }
            case "Postgres":
            {
                sink.RejectUnknownKeys(["Type", "ConnectionString", "Table", "Key", "Mode"]);
                var options = new PostgresSinkOptions
                {
                    ConnectionString = Secret(sink, "ConnectionString", baseDirectory, context),
                    Table = sink.GetRequiredString("Table"),
                    Key = sink.GetStringList("Key"),
                    Mode = sink.GetEnum<SinkWriteMode>("Mode", "sink mode") ?? (sink.Contains("Key") ? SinkWriteMode.Upsert : SinkWriteMode.Append),
                    ColumnTypes = columnTypes,
                };
                if (options.Mode == SinkWriteMode.Upsert && options.Key.Count == 0) throw sink.Error("is required for Mode Upsert: name the key columns", "Key");
                return () => new PostgresSink(options);
            }
            case "Csv":
            {
                sink.RejectUnknownKeys(["Type", "Path", "Delimiter", "Columns", "Key"]);
                var delimiter = Char(sink, "Delimiter") ?? ',';
                IReadOnlyList<string>? columns = sink.Contains("Columns") ? sink.GetStringList("Columns") : null;
                var key = sink.GetStringList("Key");
                return () => new CsvFileSink(path, context.Checkpoints, context.Time, columns, delimiter, key);
            }
            default:
            {
                sink.RejectUnknownKeys(["Type", "Path", "Key"]);
                var key = sink.GetStringList("Key");
                return () => new JsonLinesFileSink(path, context.Checkpoints, context.Time, key);
            }
        }
    }

    private static List<IRecordTransform> ReadTransforms(ConfigurationMap step)
    {
        var transforms = new List<IRecordTransform>();
        foreach (var map in step.GetMapList("Transforms"))
        {
            var kinds = map.Keys.ToList();
            if (kinds.Count != 1 || !TransformKinds.Contains(kinds[0], StringComparer.OrdinalIgnoreCase))
                throw new ConfigurationException($"a transform is one of {string.Join(", ", TransformKinds)}, as @{{ Rename = @{{ old = 'new' }} }}", map.Origin, map.Path);
            var kind = TransformKinds.First(k => k.Equals(kinds[0], StringComparison.OrdinalIgnoreCase));
            switch (kind)
            {
                case "Rename":
                    transforms.Add(new RenameTransform(map.GetStringMap(kinds[0]).ToDictionary(StringComparer.Ordinal)));
                    break;
                case "Drop":
                    transforms.Add(new DropTransform(map.GetStringList(kinds[0])));
                    break;
                case "Default":
                {
                    var values = map.GetMap(kinds[0]) ?? throw map.Error("must be a map of field = value", kinds[0]);
                    transforms.Add(new DefaultTransform(values.Keys.ToDictionary(k => k, values.GetValue, StringComparer.Ordinal)));
                    break;
                }
                case "Cast":
                {
                    var types = map.GetMap(kinds[0]) ?? throw map.Error("must be a map of field = type", kinds[0]);
                    transforms.Add(new CastTransform(types.Keys.ToDictionary(k => k, k => types.GetEnum<ColumnType>(k, "type")!.Value, StringComparer.Ordinal)));
                    break;
                }
                case "Derive":
                {
                    var fields = map.GetMap(kinds[0]) ?? throw map.Error("must be a map of field = expression", kinds[0]);
                    foreach (var field in fields.Keys) transforms.Add(new DeriveTransform(field, Expression(fields, field, RecordExpression.ParseValue)));
                    break;
                }
                default:
                    transforms.Add(new FilterTransform(Expression(map, kinds[0], RecordExpression.Parse)));
                    break;
            }
        }
        return transforms;
    }

    private static RecordExpression Expression(ConfigurationMap map, string key, Func<string, RecordExpression> parse)
    {
        try
        {
            return parse(map.GetRequiredString(key));
        }
        catch (ExpressionException ex)
        {
            throw map.Error(ex.Message, key);
        }
    }

    private static PipelineAlerting ReadAlerting(ConfigurationMap map, string baseDirectory, PipelineSpecContext context)
    {
        map.RejectUnknownKeys(["RejectionRateThreshold", "OnFailure", "Channels"]);
        var channels = map.GetMapList("Channels").Select(c => NotificationChannels.Create(c, context.Http, context.Secrets, baseDirectory, context.Redactor)).ToList();
        if (channels.Count == 0) throw map.Error("needs at least one channel (Alertmanager, PagerDuty, Slack, Teams or Webhook)", "Channels");
        return new PipelineAlerting
        {
            RejectionRateThreshold = map.GetDouble("RejectionRateThreshold", 0, 1) ?? 0.05,
            OnFailure = map.GetBool("OnFailure") ?? true,
            Channels = channels,
        };
    }

    internal static LineageOptions ReadLineage(ConfigurationMap map, string baseDirectory)
    {
        map.RejectUnknownKeys(["Path", "Uri", "Namespace", "TimeoutSec"]);
        var uri = map.GetString("Uri");
        Uri? parsed = null;
        if (uri is not null && (!Uri.TryCreate(uri, UriKind.Absolute, out parsed) || parsed.Scheme is not ("http" or "https")))
            throw map.Error($"'{SecretRedactor.RedactPatterns(uri)}' is not an absolute http(s) URL", "Uri");
        var options = new LineageOptions
        {
            Path = map.GetString("Path") is { } path ? System.IO.Path.GetFullPath(path, baseDirectory) : null,
            Uri = parsed,
            Namespace = map.GetString("Namespace") ?? "opsautomation",
            Timeout = map.GetDouble("TimeoutSec", 0.001, 3600) is { } seconds ? TimeSpan.FromSeconds(seconds) : HttpLimits.DefaultTimeout,
        };
        return options.Path is null && options.Uri is null ? throw map.Error("is required: give Path, Uri or both", "Path") : options;
    }

    private static DeadLetterOptions ReadDeadLetters(ConfigurationMap map, string baseDirectory)
    {
        map.RejectUnknownKeys(["Path"]);
        if (!map.Contains("Path")) throw map.Error("is required: the JSON Lines file the rejected records go to, such as 'rejects.jsonl'", "Path");
        var path = map.GetRequiredString("Path");
        var full = System.IO.Path.GetFullPath(path, baseDirectory);
        return Directory.Exists(full) ? throw map.Error($"'{path}' is a folder; name a file, such as 'rejects.jsonl'", "Path") : new DeadLetterOptions { Path = full };
    }

    private static string OneOf(ConfigurationMap map, string key, string[] allowed, string noun)
    {
        var value = map.GetRequiredString(key);
        return allowed.FirstOrDefault(a => a.Equals(value, StringComparison.OrdinalIgnoreCase))
            ?? throw map.Error($"unknown {noun} '{value}'; use one of {string.Join(", ", allowed)}", key);
    }

    private static string FilePath(ConfigurationMap map, string baseDirectory) =>
        map.Contains("Path") || map.GetString("Type") is not ("Postgres" or "Pipeline")
            ? System.IO.Path.GetFullPath(map.GetRequiredString("Path"), baseDirectory)
            : "";

    private static char? Char(ConfigurationMap map, string key)
    {
        var text = map.GetString(key);
        if (text is null) return null;
        text = text == "\\t" ? "\t" : text;
        return text.Length == 1 ? text[0] : throw map.Error($"'{text}' is not one character", key);
    }

    private static string Secret(ConfigurationMap map, string key, string baseDirectory, PipelineSpecContext context)
    {
        var value = map.GetRequiredString(key);
        if (!SecretResolver.IsReference(value))
            throw map.Error($"must be a secret reference ({SecretResolver.ReferenceForms}): a connection string can hold a password", key);
        var resolved = context.Secrets.Resolve(value, $"{map.Origin}: {map.KeyPath(key)}", baseDirectory);
        try
        {
            context.Redactor.AddSecret(new Npgsql.NpgsqlConnectionStringBuilder(resolved).Password);
        }
        catch (ArgumentException ex)
        {
            throw map.Error($"the connection string {value} names is not valid: {ex.Message}", key);
        }
        return resolved;
    }
}
