using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>The validation part of a pipeline spec, read by <see cref="ValidationSpecReader"/>.</summary>
public sealed record ValidationSpec
{
    /// <summary>The JSON Schema file (full path), or null for none.</summary>
    public string? SchemaPath { get; init; }

    public ValidationMode Mode { get; init; } = ValidationMode.Lazy;

    public IReadOnlyList<ColumnRule> Columns { get; init; } = [];

    /// <summary>Conditions over the whole record; their failures name no field.</summary>
    public IReadOnlyList<RecordExpression> Expressions { get; init; } = [];

    /// <summary>Loads the schema (if any) and builds the validator.</summary>
    /// <exception cref="Configuration.ConfigurationException">The schema file is unreadable or not a valid schema.</exception>
    public RecordValidator CreateValidator(SchemaResources? resources = null)
    {
        var schema = SchemaPath is null ? null : JsonSchemaValidator.Load(SchemaPath, resources);
        return new RecordValidator(schema, Columns, Expressions, Mode);
    }
}
