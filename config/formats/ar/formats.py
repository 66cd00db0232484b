# Arabic number formats for Awn's readers: Latin digits with "." as the decimal point and "," between thousands.
# Django's own Arabic locale uses "," for decimals, so 0.67 printed as "0,67" and read as thousands (issue 13).
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "j F، Y"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
