using System.Globalization;
using System.Management.Automation;

namespace OpsAutomation;

/// <summary>
/// Accepts a number strictly between two bounds. ValidateRange includes its bounds, but an SLO of
/// 100% leaves no error budget and one of 0% means nothing, so neither bound is a valid value.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ValidateExclusiveRangeAttribute : ValidateArgumentsAttribute
{
    public ValidateExclusiveRangeAttribute(double minimum, double maximum)
    {
        Minimum = minimum;
        Maximum = maximum;
    }

    public double Minimum { get; }

    public double Maximum { get; }

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = Convert.ToDouble(arguments, CultureInfo.InvariantCulture);
        if (!(value > Minimum && value < Maximum))
        {
            throw new ValidationMetadataException(string.Create(CultureInfo.InvariantCulture,
                $"The argument {value} is not above {Minimum} and below {Maximum}."));
        }
    }
}
