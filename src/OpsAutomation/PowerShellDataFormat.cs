using System.Collections.ObjectModel;
using System.Management.Automation.Language;
using OpsAutomation.Core.Configuration;

namespace OpsAutomation;

/// <summary>
/// Reads PowerShell data files (psd1) into the configuration tree. It walks the syntax tree
/// instead of running anything, so a psd1 can hold only data, as Import-PowerShellDataFile
/// allows, and a bad construct is reported with its line.
/// </summary>
internal sealed class PowerShellDataFormat : IConfigurationFormat
{
    public IReadOnlyCollection<string> Extensions { get; } = [".psd1"];

    public object? Parse(string text, string origin)
    {
        var ast = Parser.ParseInput(text, origin, out _, out var errors);
        if (errors.Length > 0)
            throw new ConfigurationException($"not a valid PowerShell data file: {errors[0].Message}", origin, line: errors[0].Extent.StartLineNumber);
        var statements = ast.EndBlock?.Statements ?? new ReadOnlyCollection<StatementAst>([]);
        if (statements.Count != 1)
            throw new ConfigurationException("a data file must hold exactly one hashtable, @{ ... }", origin, line: statements.Count > 1 ? statements[1].Extent.StartLineNumber : 1);
        return Convert(statements[0], origin, 0);
    }

    // Depth counts hashtables, arrays and parentheses, as the JSON and YAML readers count their nesting.
    private static object? Convert(Ast ast, string origin, int depth)
    {
        if (ast is HashtableAst or ArrayExpressionAst or ArrayLiteralAst or ParenExpressionAst && ++depth > JsonConfigurationFormat.MaxDepth)
            throw new ConfigurationException($"nested deeper than the limit of {JsonConfigurationFormat.MaxDepth} at column {ast.Extent.StartColumnNumber}", origin, line: ast.Extent.StartLineNumber);
        switch (ast)
        {
            case PipelineAst { PipelineElements.Count: 1 } pipeline when pipeline.PipelineElements[0] is CommandExpressionAst command:
                return Convert(command.Expression, origin, depth);
            case HashtableAst hashtable:
                var map = ConfigurationTree.NewMap();
                foreach (var (keyAst, valueAst) in hashtable.KeyValuePairs)
                {
                    var key = keyAst switch
                    {
                        StringConstantExpressionAst s => s.Value,
                        ConstantExpressionAst c => c.Value?.ToString() ?? "",
                        _ => throw Unsupported(keyAst, origin),
                    };
                    if (!map.TryAdd(key, Convert(valueAst, origin, depth)))
                        throw new ConfigurationException("the key appears twice", origin, key, keyAst.Extent.StartLineNumber);
                }
                return map;
            case ArrayExpressionAst array:
                var items = new List<object?>();
                foreach (var statement in array.SubExpression.Statements)
                {
                    var value = Convert(statement, origin, depth);
                    if (value is List<object?> list && statement is PipelineAst { PipelineElements: [CommandExpressionAst { Expression: ArrayLiteralAst }] })
                        items.AddRange(list);
                    else
                        items.Add(value);
                }
                return items;
            case ArrayLiteralAst literal:
                return literal.Elements.Select(e => Convert(e, origin, depth)).ToList();
            case ParenExpressionAst paren:
                return Convert(paren.Pipeline, origin, depth);
            case StringConstantExpressionAst text:
                return text.Value;
            case ExpandableStringExpressionAst { NestedExpressions.Count: 0 } expandable:
                return expandable.Value;
            case ConstantExpressionAst constant:
                return constant.Value switch
                {
                    int i => (long)i,
                    long l => l,
                    decimal d => (double)d,
                    double d => d,
                    var other => other,
                };
            case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("true", StringComparison.OrdinalIgnoreCase):
                return true;
            case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("false", StringComparison.OrdinalIgnoreCase):
                return false;
            case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("null", StringComparison.OrdinalIgnoreCase):
                return null;
            default:
                throw Unsupported(ast, origin);
        }
    }

    private static ConfigurationException Unsupported(Ast ast, string origin) =>
        new($"'{Shorten(ast.Extent.Text)}' is not a constant value; a data file holds only strings, numbers, $true, $false, $null, @() and @{{}}",
            origin, line: ast.Extent.StartLineNumber);

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
