"""OQMS — outsourced-service quality management (外包服务质量管理平台)."""

__version__ = "0.1.0"
